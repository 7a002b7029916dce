-- link_review_count: how many pairs wait for an analyst (the review workbook shows at most
-- link.ReviewMaxRows of them).
SELECT count(*) FROM person_links WHERE decision = 'review';
