-- The bench/policy plan (12 KPIs) in DuckDB SQL, exact.
-- Run by duckdb_exact.py, which fills in {data}, {label}, {months}, {n_months},
-- {start}, {end}, {period_days} and {out}.
--
-- Money and metrics are read as DECIMAL and summed exactly. DuckDB divides a
-- DECIMAL by a DECIMAL in DOUBLE, so every quotient that the policy rounds
-- (docs/policy.md, Rounding: actual 6 places, achievement 4, score 2, money 2,
-- half_up) is taken as an integer division of the exact numerator and
-- denominator in fixed units: (2n + d) // 2d is n ÷ d rounded half up.
-- Units: cents for money and metric sums, millionths for actuals,
-- ten-thousandths for achievements, hundredths for scores.

CREATE MACRO div_hu(n, d) AS (2 * CAST(n AS HUGEINT) + d) // (2 * CAST(d AS HUGEINT));
CREATE MACRO cents(x) AS CAST(x * 100 AS HUGEINT);
-- piecewise-linear curve: achievement a (1e-4) -> score (1e-2); cap NULL: flat above stretch
CREATE MACRO curve(a, x0, y0, x1, y1, x2, y2, cap) AS
  CASE WHEN a < x0 THEN 0
       WHEN a <= x1 THEN y0 * 100 + div_hu((a - x0) * (y1 - y0) * 100, x1 - x0)
       WHEN a <= x2 THEN y1 * 100 + div_hu((a - x1) * (y2 - y1) * 100, x2 - x1)
       WHEN cap IS NULL THEN y2 * 100
       ELSE least(y1 * 100 + div_hu((a - x1) * (y2 - y1) * 100, x2 - x1), cap * 100) END;
CREATE MACRO standard(a) AS curve(a, 8000, 60, 10000, 100, 12000, 130, 150);
CREATE MACRO conversion(a) AS curve(a, 9000, 70, 10000, 100, 11000, 120, NULL);
CREATE MACRO complaints(a) AS curve(a, 5000, 50, 10000, 100, 15000, 120, 120);
CREATE MACRO money_text(c) AS printf('%d.%02d', CAST(c // 100 AS BIGINT), CAST(c % 100 AS BIGINT));

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
         cents(CAST(base_salary AS DECIMAL(18, 2))) AS salary_c,
         cents(CAST(target_bonus_pct AS DECIMAL(18, 2))) AS pct_c,
         least(coalesce(CAST(nullif(termination_date, '') AS DATE), DATE '{end}'), DATE '{end}')
           - greatest(CAST(hire_date AS DATE), DATE '{start}') + 1 AS days
  FROM read_parquet('{data}/employees.parquet')
),
metrics AS (
  SELECT subject_id, metric, CAST(value AS DECIMAL(18, 2)) AS v
  FROM read_parquet('{data}/metrics.parquet')
  WHERE month IN ({months})
),
person AS (
  SELECT subject_id,
    cents(sum(v) FILTER (metric = 'uv')) AS uv,
    cents(sum(v) FILTER (metric = 'pv')) AS pv,
    cents(sum(v) FILTER (metric = 'registrations')) AS registrations,
    cents(sum(v) FILTER (metric = 'retained_users')) AS retained_users,
    cents(sum(v) FILTER (metric = 'cohort_users')) AS cohort_users,
    cents(sum(v) FILTER (metric = 'gmv')) AS gmv,
    cents(sum(v) FILTER (metric = 'orders')) AS orders,
    cents(sum(v) FILTER (metric = 'visits')) AS visits,
    cents(sum(v) FILTER (metric = 'dwell_minutes')) AS dwell_minutes,
    cents(sum(v) FILTER (metric = 'actions')) AS actions,
    cents(sum(v) FILTER (metric = 'complaints')) AS complaints,
    cents(sum(v) FILTER (metric = 'user_rating')) AS user_rating,
    count(*) FILTER (metric = 'user_rating') AS rating_months,
    cents(sum(v) FILTER (metric = 'dau')) AS dau,
    count(*) FILTER (metric = 'dau') AS dau_months
  FROM metrics GROUP BY subject_id
),
targets AS (
  SELECT subject_id,
    cents(max(CAST(target AS DECIMAL(18, 2))) FILTER (kpi = 'dau')) AS t_dau,
    cents(max(CAST(target AS DECIMAL(18, 2))) FILTER (kpi = 'uv')) AS t_uv,
    cents(max(CAST(target AS DECIMAL(18, 2))) FILTER (kpi = 'pv')) AS t_pv,
    cents(max(CAST(target AS DECIMAL(18, 2))) FILTER (kpi = 'new_users')) AS t_new_users,
    cents(max(CAST(target AS DECIMAL(18, 2))) FILTER (kpi = 'gmv')) AS t_gmv,
    cents(max(CAST(target AS DECIMAL(18, 2))) FILTER (kpi = 'orders')) AS t_orders
  FROM read_parquet('{data}/targets.parquet')
  WHERE period = '{label}'
  GROUP BY subject_id
),
ratings AS (
  SELECT employee_id, CAST(rating AS INTEGER) AS rating
  FROM read_parquet('{data}/ratings.parquet') WHERE period = '{label}'
),
projects AS (
  -- a row is paid by the run containing the last month of its period label
  SELECT employee_id, cents(sum(CAST(amount AS DECIMAL(18, 2)))) AS projects
  FROM read_parquet('{data}/projects.parquet')
  WHERE lower(trim(approved)) IN ('true', 'yes', 'y', '1')
    AND CASE WHEN length(period) = 4 THEN period || '-12'
             WHEN period[6] = 'Q' THEN period[1:5] || lpad(CAST(3 * CAST(period[7:] AS INTEGER) AS VARCHAR), 2, '0')
             WHEN period[6] = 'H' THEN period[1:5] || lpad(CAST(6 * CAST(period[7:] AS INTEGER) AS VARCHAR), 2, '0')
             ELSE period END IN ({months})
  GROUP BY employee_id
),
actuals AS (  -- millionths; a sum is exact, a mean or a ratio rounded to 6 places
  SELECT e.*, coalesce(pr.projects, 0) AS projects, r.rating,
    div_hu(d.dau * 10000, d.dau_months) AS a_dau,
    p.uv * 10000 AS a_uv,
    p.pv * 10000 AS a_pv,
    p.registrations * 10000 AS a_new_users,
    div_hu(p.retained_users * 1000000, p.cohort_users) AS a_retention,
    p.gmv * 10000 AS a_gmv,
    p.orders * 10000 AS a_orders,
    div_hu(p.orders * 1000000, p.uv) AS a_purchase_conversion,
    div_hu(p.dwell_minutes * 1000000, p.visits) AS a_dwell_time,
    div_hu(p.actions * 1000000, p.visits) AS a_action_frequency,
    div_hu(p.complaints * 1000000, p.orders) AS a_complaint_rate,
    div_hu(p.user_rating * 10000, p.rating_months) AS a_user_rating,
    dt.t_dau, t.t_uv, t.t_pv, t.t_new_users, t.t_gmv, t.t_orders
  FROM emp e
  JOIN person p ON p.subject_id = e.employee_id
  JOIN person d ON d.subject_id = e.department
  JOIN targets t ON t.subject_id = e.employee_id
  JOIN targets dt ON dt.subject_id = e.department
  LEFT JOIN ratings r USING (employee_id)
  LEFT JOIN projects pr USING (employee_id)
  WHERE e.days > 0
),
achievements AS (  -- ten-thousandths; a table target in cents: (a/1e6)/(t/100) = a/t in 1e-4
  SELECT *,
    div_hu(a_dau, t_dau) AS h_dau,
    div_hu(a_uv, t_uv) AS h_uv,
    div_hu(a_pv, t_pv) AS h_pv,
    div_hu(a_new_users, t_new_users) AS h_new_users,
    div_hu(a_retention * 10000, 400000) AS h_retention,
    div_hu(a_gmv, t_gmv) AS h_gmv,
    div_hu(a_orders, t_orders) AS h_orders,
    div_hu(a_purchase_conversion * 10000, 50000) AS h_purchase_conversion,
    div_hu(a_dwell_time * 10000, 3500000) AS h_dwell_time,
    div_hu(a_action_frequency * 10000, 6000000) AS h_action_frequency,
    greatest(div_hu((2 * 20000 - a_complaint_rate) * 10000, 20000), 0) AS h_complaint_rate,
    div_hu(a_user_rating * 10000, 4500000) AS h_user_rating
  FROM actuals
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
  SELECT *, CASE WHEN review IS NULL THEN div_hu(weighted, 100 - review_weight)
                 ELSE div_hu(weighted + review * 100 * review_weight, 100) END AS score
  FROM scores
),
banded AS (
  SELECT *,
    CASE WHEN score >= 12000 THEN 'S' WHEN score >= 10500 THEN 'A' WHEN score >= 9000 THEN 'B'
         WHEN score >= 7000 THEN 'C' ELSE 'D' END AS band,
    CASE WHEN score >= 12000 THEN 130 WHEN score >= 10500 THEN 115 WHEN score >= 9000 THEN 100
         WHEN score >= 7000 THEN 50 ELSE 0 END AS multiplier
  FROM final
),
paid AS (
  -- target bonus = salary × pct × months ÷ 1200; the formula and its cap in millionths of it:
  -- min(score/100 × multiplier + 0.05 if GMV achievement ≥ 1.2, 1.5); × days ÷ period days
  SELECT *,
    div_hu(salary_c * pct_c * {n_months}
             * least(score * multiplier + CASE WHEN h_gmv >= 12000 THEN 50000 ELSE 0 END, 1500000)
             * days,
           CAST(120000000000 AS HUGEINT) * {period_days}) AS bonus
  FROM banded
)
SELECT employee_id, name, department, role, '{label}' AS period,
       money_text(score) AS score, band AS rating, money_text(bonus) AS bonus,
       money_text(projects) AS project_bonus, money_text(bonus + projects) AS total_payout,
       'CNY' AS currency
FROM paid
ORDER BY employee_id
) TO '{out}' (HEADER, DELIMITER ',');
