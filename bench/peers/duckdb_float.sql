-- The bench/policy plan in DuckDB SQL with DOUBLE arithmetic and ROUND() at the
-- policy's rounding points: what a SQL script written without exact decimals
-- computes. Run by `duckdb_exact.py --float`; compare its payouts with merit's
-- to see how many employees it pays a different amount.

CREATE MACRO curve(a, x0, y0, x1, y1, x2, y2, cap) AS round(
  CASE WHEN a < x0 THEN 0
       WHEN a <= x1 THEN y0 + (a - x0) * (y1 - y0) / (x1 - x0)
       WHEN a <= x2 THEN y1 + (a - x1) * (y2 - y1) / (x2 - x1)
       WHEN cap IS NULL THEN y2
       ELSE least(y1 + (a - x1) * (y2 - y1) / (x2 - x1), cap) END, 2);
CREATE MACRO standard(a) AS curve(a, 0.8, 60, 1.0, 100, 1.2, 130, 150);
CREATE MACRO conversion(a) AS curve(a, 0.9, 70, 1.0, 100, 1.1, 120, NULL);
CREATE MACRO complaints(a) AS curve(a, 0.5, 50, 1.0, 100, 1.5, 120, 120);

CREATE TABLE roles AS SELECT * FROM (VALUES
  ('growth_ops',   8,  8,  4, 14, 10,  4,  4,  4,  6, 6, 6, 6, 20),
  ('commerce_ops', 5,  6,  4,  5,  5, 20, 12, 10,  3, 3, 8, 4, 15),
  ('content_ops', 10, 10, 14,  6, 10,  3,  3,  3, 12, 9, 5, 5, 10),
  ('ops_lead',    12,  6,  4,  8,  6, 10,  6,  6,  4, 4, 8, 6, 20))
  AS t(role, w_dau, w_uv, w_pv, w_new_users, w_retention, w_gmv, w_orders,
       w_purchase_conversion, w_dwell_time, w_action_frequency, w_complaint_rate,
       w_user_rating, review_weight);

COPY (
WITH emp AS (
  SELECT employee_id, name, department, role,
         CAST(base_salary AS DOUBLE) AS salary, CAST(target_bonus_pct AS DOUBLE) AS pct,
         least(coalesce(CAST(nullif(termination_date, '') AS DATE), DATE '{end}'), DATE '{end}')
           - greatest(CAST(hire_date AS DATE), DATE '{start}') + 1 AS days
  FROM read_parquet('{data}/employees.parquet')
),
metrics AS (
  SELECT subject_id, metric, CAST(value AS DOUBLE) AS v
  FROM read_parquet('{data}/metrics.parquet') WHERE month IN ({months})
),
person AS (
  SELECT subject_id,
    sum(v) FILTER (metric = 'uv') AS uv, sum(v) FILTER (metric = 'pv') AS pv,
    sum(v) FILTER (metric = 'registrations') AS registrations,
    sum(v) FILTER (metric = 'retained_users') AS retained_users,
    sum(v) FILTER (metric = 'cohort_users') AS cohort_users,
    sum(v) FILTER (metric = 'gmv') AS gmv, sum(v) FILTER (metric = 'orders') AS orders,
    sum(v) FILTER (metric = 'visits') AS visits,
    sum(v) FILTER (metric = 'dwell_minutes') AS dwell_minutes,
    sum(v) FILTER (metric = 'actions') AS actions,
    sum(v) FILTER (metric = 'complaints') AS complaints,
    avg(v) FILTER (metric = 'user_rating') AS user_rating,
    avg(v) FILTER (metric = 'dau') AS dau
  FROM metrics GROUP BY subject_id
),
targets AS (
  SELECT subject_id,
    max(CAST(target AS DOUBLE)) FILTER (kpi = 'dau') AS t_dau,
    max(CAST(target AS DOUBLE)) FILTER (kpi = 'uv') AS t_uv,
    max(CAST(target AS DOUBLE)) FILTER (kpi = 'pv') AS t_pv,
    max(CAST(target AS DOUBLE)) FILTER (kpi = 'new_users') AS t_new_users,
    max(CAST(target AS DOUBLE)) FILTER (kpi = 'gmv') AS t_gmv,
    max(CAST(target AS DOUBLE)) FILTER (kpi = 'orders') AS t_orders
  FROM read_parquet('{data}/targets.parquet') WHERE period = '{label}' GROUP BY subject_id
),
ratings AS (
  SELECT employee_id, CAST(rating AS INTEGER) AS rating
  FROM read_parquet('{data}/ratings.parquet') WHERE period = '{label}'
),
projects AS (
  SELECT employee_id, sum(CAST(amount AS DOUBLE)) AS projects
  FROM read_parquet('{data}/projects.parquet')
  WHERE lower(trim(approved)) IN ('true', 'yes', 'y', '1')
    AND CASE WHEN length(period) = 4 THEN period || '-12'
             WHEN period[6] = 'Q' THEN period[1:5] || lpad(CAST(3 * CAST(period[7:] AS INTEGER) AS VARCHAR), 2, '0')
             WHEN period[6] = 'H' THEN period[1:5] || lpad(CAST(6 * CAST(period[7:] AS INTEGER) AS VARCHAR), 2, '0')
             ELSE period END IN ({months})
  GROUP BY employee_id
),
achievements AS (
  SELECT e.*, coalesce(pr.projects, 0) AS projects, r.rating,
    round(round(d.dau, 6) / dt.t_dau, 4) AS h_dau,
    round(p.uv / t.t_uv, 4) AS h_uv,
    round(p.pv / t.t_pv, 4) AS h_pv,
    round(p.registrations / t.t_new_users, 4) AS h_new_users,
    round(round(p.retained_users / p.cohort_users, 6) / 0.40, 4) AS h_retention,
    round(p.gmv / t.t_gmv, 4) AS h_gmv,
    round(p.orders / t.t_orders, 4) AS h_orders,
    round(round(p.orders / p.uv, 6) / 0.05, 4) AS h_purchase_conversion,
    round(round(p.dwell_minutes / p.visits, 6) / 3.5, 4) AS h_dwell_time,
    round(round(p.actions / p.visits, 6) / 6, 4) AS h_action_frequency,
    round(greatest(2 - round(p.complaints / p.orders, 6) / 0.02, 0), 4) AS h_complaint_rate,
    round(round(p.user_rating, 6) / 4.5, 4) AS h_user_rating
  FROM emp e
  JOIN person p ON p.subject_id = e.employee_id
  JOIN person d ON d.subject_id = e.department
  JOIN targets t ON t.subject_id = e.employee_id
  JOIN targets dt ON dt.subject_id = e.department
  LEFT JOIN ratings r USING (employee_id)
  LEFT JOIN projects pr USING (employee_id)
  WHERE e.days > 0
),
scores AS (
  SELECT a.*, w.review_weight,
    standard(h_dau) * w_dau + standard(h_uv) * w_uv + standard(h_pv) * w_pv
      + standard(h_new_users) * w_new_users + standard(h_retention) * w_retention
      + standard(h_gmv) * w_gmv + standard(h_orders) * w_orders
      + conversion(h_purchase_conversion) * w_purchase_conversion
      + standard(h_dwell_time) * w_dwell_time + standard(h_action_frequency) * w_action_frequency
      + complaints(h_complaint_rate) * w_complaint_rate
      + conversion(h_user_rating) * w_user_rating AS weighted,
    CASE rating WHEN 1 THEN 40 WHEN 2 THEN 70 WHEN 3 THEN 100 WHEN 4 THEN 115 WHEN 5 THEN 130 END
      AS review
  FROM achievements a JOIN roles w USING (role)
),
final AS (
  SELECT *, round(CASE WHEN review IS NULL THEN weighted / (100 - review_weight)
                       ELSE (weighted + review * review_weight) / 100 END, 2) AS score
  FROM scores
),
banded AS (
  SELECT *,
    CASE WHEN score >= 120 THEN 'S' WHEN score >= 105 THEN 'A' WHEN score >= 90 THEN 'B'
         WHEN score >= 70 THEN 'C' ELSE 'D' END AS band,
    CASE WHEN score >= 120 THEN 1.3 WHEN score >= 105 THEN 1.15 WHEN score >= 90 THEN 1.0
         WHEN score >= 70 THEN 0.5 ELSE 0 END AS multiplier,
    salary * pct / 100 * {n_months} / 12 AS target_bonus
  FROM final
),
paid AS (
  SELECT *, round(least(target_bonus * score / 100 * multiplier
                          + CASE WHEN h_gmv >= 1.2 THEN target_bonus * 0.05 ELSE 0 END,
                        1.5 * target_bonus) * days / {period_days}, 2) AS bonus
  FROM banded
)
SELECT employee_id, name, department, role, '{label}' AS period,
       printf('%.2f', score) AS score, band AS rating, printf('%.2f', bonus) AS bonus,
       printf('%.2f', projects) AS project_bonus, printf('%.2f', bonus + projects) AS total_payout,
       'CNY' AS currency
FROM paid
ORDER BY employee_id
) TO '{out}' (HEADER, DELIMITER ',');
