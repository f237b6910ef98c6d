-- Daily sales per store since :start ({{ table }} is a template variable: an identifier,
-- pasted; start is a bound parameter).
select store_id, date, units, price, base_price, promo, holiday
from {{ table }}
where date >= $start
order by store_id, date
