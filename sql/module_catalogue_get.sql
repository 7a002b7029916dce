-- The catalogue module already stored under a module_id, if any: is it the same module?
SELECT title_fold, coalesce(edition, ''), coalesce(site, '') FROM modules WHERE module_id = ? AND from_catalogue;
