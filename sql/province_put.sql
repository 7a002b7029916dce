INSERT INTO provinces (province_code, istat_code, name, partner) VALUES (?, ?, ?, ?)
ON CONFLICT (province_code) DO UPDATE SET istat_code = excluded.istat_code, name = excluded.name, partner = excluded.partner;
