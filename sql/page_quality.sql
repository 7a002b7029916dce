-- The run report page: quarantined, flagged and skipped rows per province and kind.
SELECT province_code, 'quarantine' AS kind, reason_code AS code, count(*) AS n FROM quarantine GROUP BY ALL
UNION ALL
SELECT province_code, 'issue', code, count(*) FROM issues GROUP BY ALL
UNION ALL
SELECT province_code, 'skipped', reason, count(*) FROM skipped_rows GROUP BY ALL
ORDER BY province_code, kind, n DESC, code;
