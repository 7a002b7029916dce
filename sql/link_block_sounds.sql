-- link_block_sounds: link_rec with its names' sounds, for the blocking rules
-- that DuckDB evaluates and that read them (link/block.go, withSounds; Go
-- computes them for the others, link/block_keys.go nameSound: the same).
-- surname_sound and given_name_sound are the names' consonant skeletons, a
-- phonetic key for blocking: K and Q read as C, Z as S; vowels, H, W, J, Y
-- and everything not a letter dropped; a doubled consonant counted once
-- (CARUSO and CRAUSO are CRS, FERARI and FERRARI FR, SHEVCHENKO and
-- SEVCENKO SVCNC); NULL when nothing is left. They are computed once per
-- distinct name (snd), not per row, and a run of one consonant is collapsed
-- by an alternation whose rewrite keeps the one group that matched (an
-- unmatched group rewrites to ''; RE2 rewrites groups \1 to \9 only, hence
-- two passes): the same result as one pass per consonant (BB+ → B, …).
-- The columns come before extra_values, where link_records put them before.
CREATE OR REPLACE TEMP TABLE link_rec AS
WITH snd AS (
    SELECT n,
           nullif(regexp_replace(regexp_replace(regexp_replace(translate(coalesce(n, ''), 'KQZ', 'CCS'), '[^BCDFGLMNPRSTVX]', '', 'g'),
                  '(B)B+|(C)C+|(D)D+|(F)F+|(G)G+|(L)L+|(M)M+|(N)N+|(P)P+', '\1\2\3\4\5\6\7\8\9', 'g'),
                  '(R)R+|(S)S+|(T)T+|(V)V+|(X)X+', '\1\2\3\4\5', 'g'), '') AS sound
    FROM (SELECT surname_fold AS n FROM link_rec UNION SELECT given_name_fold FROM link_rec)
    WHERE n IS NOT NULL
)
SELECT l.* EXCLUDE (extra_values),
       s1.sound AS surname_sound,
       s2.sound AS given_name_sound,
       l.extra_values
FROM link_rec AS l
LEFT JOIN snd AS s1 ON s1.n = l.surname_fold
LEFT JOIN snd AS s2 ON s2.n = l.given_name_fold;
