-- link_load: link_rec as read into Go, in any order (rid = the record's
-- position: the reader puts each row there; sorting here cost a sort of
-- every column).
SELECT rid, record_key, prev_person_id, province_code, surname_fold,
       given_name_fold, tax_code, tax_code_status = 'valid' AS tax_valid, tax_key, sex,
       CAST(date_diff('day', DATE '1970-01-01', birth_date) AS INTEGER) AS birth_days,
       birth_place_fold, email, phone, municipality_fold, organisation_fold,
       organisation_type_fold, role_fold, module_fold, extra_values
FROM link_rec;
