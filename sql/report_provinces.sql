-- The provinces present in the warehouse (with applications or modules), by name.
SELECT province_code, name
FROM indicators
WHERE level = 'province'
ORDER BY name, province_code;
