-- The 20 best new-term candidates: runs of tokens the dictionary splits but the corpus uses as one unit,
-- with their cut, frequency, cohesion (pmi) and boundary freedom (the poorer side's branching entropy).
SELECT term, array_to_string(parts, ' / ') AS cut, frequency, documents, round(pmi, 2) AS pmi,
       round(least(left_entropy, right_entropy), 2) AS min_entropy, round(score, 1) AS score
FROM new_terms
ORDER BY rank
LIMIT 20;
