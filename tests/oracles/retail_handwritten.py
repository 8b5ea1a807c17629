"""Hand-written DuckDB SQL for every segment of examples/retail, written independently of the compiler
from DESIGN §3 (correlated subqueries, no segql code): the oracle the compiled queries must match."""
def views(T):
    return f"""
create or replace temp view o as select *, cast(ordered_at as date) d from sales.orders where ordered_at is not null and cast(ordered_at as date) <= {T};
create or replace temp view w as select *, cast(started_at as date) d from web.sessions where started_at is not null and cast(started_at as date) <= {T};
create or replace temp view s as select *, cast(opened_at as date) d from support.tickets where opened_at is not null and cast(opened_at as date) <= {T};
create or replace temp view e as select *, sent_at d from marketing.email_events where sent_at is not null and sent_at <= {T};
create or replace temp view oi as select *, cast(ordered_at as date) d from sales.order_items where ordered_at is not null and cast(ordered_at as date) <= {T};
create or replace temp view pv as select *, cast(viewed_at as date) d from web.product_views where viewed_at is not null and cast(viewed_at as date) <= {T};
create or replace temp view ca as select *, cast(added_at as date) d from shop.cart_adds where added_at is not null and cast(added_at as date) <= {T};
create or replace temp view rv as select *, reviewed_on d from shop.reviews where reviewed_on is not null and reviewed_on <= {T};
create or replace temp table cc as select c.*, a.state, a.city,
  datediff('year', birth_date, {T}) - case when birth_date + to_years(datediff('year', birth_date, {T})) > {T} then 1 else 0 end as age,
  coalesce((select sum(amount) from o where o.customer_id=c.customer_id and status='paid' and d > {T} - interval 365 day), 0) spend_365,
  (select count(*) from o where o.customer_id=c.customer_id and status='paid' and d > {T} - interval 365 day) orders_365,
  (select count(*) from o where o.customer_id=c.customer_id and status='paid') paid_orders,
  datediff('day', (select max(d) from o where o.customer_id=c.customer_id and status='paid'), {T}) days_since_last_order,
  (select count(*) from w where w.customer_id=c.customer_id and d > {T} - 30) sessions_30,
  exists(select 1 from e where e.customer_id=c.customer_id and opened and d > {T} - 30) or exists(select 1 from w where w.customer_id=c.customer_id and d > {T} - 30) is_engaged,
  coalesce(birth_date + interval 18 year <= {T}, false) is_adult
from crm.customers c left join crm.addresses a on a.address_id = c.address_id;
"""

DEFAULTS = {"high_value_lapsed": {"min_spend": 500}, "vip": {"min_spend": 1500}, "churn_risk": {"max_days": 180},
            "young_families_ca_tx": {"min_age": 25, "max_age": 40}, "web_browsers_no_purchase": {"days": 14},
            "rfm_champions": {"share": 20}, "discount_hunters": {"share": 0.5},
            "spring_first_time_buyers": {"season_start": "2026-03-01", "season_end": "2026-05-31"}}

SEGS = {
"test_accounts": "email ilike '%@example.com' or email ilike '%+test%' or email ilike 'qa.%' or lower(trim(first_name)) = 'test'",
"high_value_lapsed": "country in ('US','CA') and email_opt_in and spend_365 > {min_spend} and not exists(select 1 from o where o.customer_id=cc.customer_id and d > {T} - 90)",
"vip": "paid_orders >= 5 and (loyalty_tier in ('gold','platinum') or spend_365 >= {min_spend} or customer_id in (select customer_id from (select customer_id, percent_rank() over (order by lifetime_value) pr from crm.customers where lifetime_value is not null) where pr*100 >= 95)) and not (coalesce({test_accounts}, false) or exists(select 1 from o where o.customer_id=cc.customer_id and status='refunded' and d > {T} - 90))",
"churn_risk": "paid_orders >= 3 and days_since_last_order between 60 and {max_days} and orders_365 < (select count(*) from o where o.customer_id=cc.customer_id and status='paid' and d between {T} - 730 and {T} - 366) and not is_engaged",
"new_customers": "signup_at >= {T} + 1 - interval 30 day and signup_at < {T} + 1 and email is not null and not coalesce({test_accounts}, false)",
"young_families_ca_tx": "age between {min_age} and {max_age} and state in ('CA','TX') and email_opt_in and (select count(*) from o where o.customer_id=cc.customer_id and status='paid' and d > {T} - interval 1 year) >= 2",
"email_engaged": "email_opt_in and exists(select 1 from e where e.customer_id=cc.customer_id and opened and d > {T} - 30) and (select count(*) from e where e.customer_id=cc.customer_id and clicked and d > {T} - 84) >= 2",
"web_browsers_no_purchase": "exists(select 1 from w where w.customer_id=cc.customer_id and pages >= 3 and d > {T} - {days}) and sessions_30 >= 2 and not exists(select 1 from o where o.customer_id=cc.customer_id and status='paid' and d > {T} - 60)",
"support_unhappy": "coalesce((select avg(satisfaction) from s where s.customer_id=cc.customer_id and d > {T} - interval 6 month) <= 2, false) or (select count(*) from s where s.customer_id=cc.customer_id and priority in ('high','urgent') and d > {T} - 90) >= 2",
"rfm_champions": "customer_id in (select customer_id from (select customer_id, percent_rank() over (order by spend_365) p1, percent_rank() over (order by orders_365) p3 from cc) where p1 >= 0.8 and p3*100 >= 100 - {share}) and customer_id in (select customer_id from (select customer_id, percent_rank() over (order by -days_since_last_order) p2 from cc where days_since_last_order is not null) where p2 >= 0.8)",
"discount_hunters": "orders_365 >= 3 and (select count(*) from o where o.customer_id=cc.customer_id and discount_code is not null and status='paid' and d > {T} - 365) / orders_365 > {share}",
"store_first_mobile_now": "(select channel from o where o.customer_id=cc.customer_id and channel is not null order by ordered_at, channel limit 1) = 'store' and (select device from w where w.customer_id=cc.customer_id and device is not null order by started_at desc, device desc limit 1) = 'mobile' and (select count(distinct channel) from o where o.customer_id=cc.customer_id and d > {T} - interval 2 year) >= 2",
"us_web_regulars": "(select count(*) from o where o.customer_id=cc.customer_id and channel='web' and cc.country='US' and status is distinct from 'cancelled' and d > {T} - interval 1 year) >= 3 and not coalesce(state in ('CA','TX'), false)",
"spring_first_time_buyers": "exists(select 1 from o where o.customer_id=cc.customer_id and status='paid' and d between DATE '{season_start}' and DATE '{season_end}') and not exists(select 1 from o where o.customer_id=cc.customer_id and status='paid' and d < DATE '{season_start}') and not exists(select 1 from o where o.customer_id=cc.customer_id and d >= DATE '{season_end}' + 1)",
"loyal_veterans": "cast(signup_at as date) < {T} - interval 2 year and not coalesce(loyalty_tier = 'bronze', false) and exists(select 1 from o where o.customer_id=cc.customer_id and status='paid' and d >= DATE '2026-01-01')",
"mobile_visitors_today": "exists(select 1 from w where w.customer_id=cc.customer_id and device='mobile' and started_at >= {T} + 1 - interval 12 hour and started_at < {T} + 1) and sms_opt_in",
"incomplete_profiles": "(country is null or birth_date is null or address_id is null) and email is not null and cast(signup_at as date) < {T} - 90",
"europe_sms_adults": "country is not null and country not in ('US','CA') and sms_opt_in and is_adult",
"birthday_this_month": "month(birth_date) = month({T}) and birth_date + interval 18 year <= {T} and email_opt_in",
"weekend_shoppers": "(select count(*) from o where o.customer_id=cc.customer_id and isodow(ordered_at) in (6,7) and status='paid' and d > {T} - interval 6 month) >= 2",
"winter_lapsed": "exists(select 1 from o where o.customer_id=cc.customer_id and status='paid' and d < DATE '2026-01-01') and not exists(select 1 from o where o.customer_id=cc.customer_id and d >= DATE '2026-01-01') and coalesce(lifetime_value, 0) >= 200",
}
SEGS["vip_healthy"] = "coalesce(({vip}), false) and not coalesce(({churn_risk}), false) and not coalesce(({support_unhappy}), false)"

def condition(name, T, params=None):
    p = dict(DEFAULTS.get(name, {}))
    p.update(params or {})
    text = SEGS[name]
    for ref in ("vip", "churn_risk", "support_unhappy", "test_accounts", "cart_abandoners", "browse_abandoners",
                "birthday_next_week"):
        if "{" + ref + "}" in text:
            text = text.replace("{" + ref + "}", condition(ref, T))
    for k, v in p.items():
        text = text.replace("{" + k + "}", str(v))
    return text.replace("{T}", T)

def members(con, name, as_of, params=None):
    T = f"DATE '{as_of}'"
    con.execute(views(T))
    return [r[0] for r in con.execute(f"select customer_id from cc where coalesce({condition(name, T, params)}, false) order by 1").fetchall()]
DEFAULTS["fast_converters"] = {"max_days": 7}
SEGS["fast_converters"] = "year(signup_at) = year({T}) and datediff('day', cast(signup_at as date), (select min(d) from o where o.customer_id=cc.customer_id and status='paid')) <= {max_days}"
SEGS["premium_shoppers"] = "(select min(amount) from o where o.customer_id=cc.customer_id and status='paid' and d > {T} - interval 1 year) >= 50 and (select max(amount) from o where o.customer_id=cc.customer_id and status='paid' and d > {T} - interval 1 year) >= 400 and round((select avg(amount) from o where o.customer_id=cc.customer_id and status='paid'), 0) >= 100"
# Round 2 (DESIGN §3.10-3.14). `now` is the last microsecond of the as-of day (UTC); a sequence's step is at or after
# the one before, and a `then no` step's interval must have ended.
NOW = "({T} + interval 1 day - interval 1 microsecond)"
SEGS["cart_abandoners"] = ("email_opt_in and exists(select 1 from ca a where a.customer_id=cc.customer_id and a.d > {T} - 3"
                           " and a.added_at + interval 1 day <= " + NOW + " and not exists(select 1 from o where"
                           " o.customer_id=a.customer_id and o.ordered_at between a.added_at and a.added_at + interval 1 day))")
SEGS["browse_abandoners"] = ("email_opt_in and exists(select 1 from pv v where v.customer_id=cc.customer_id and v.d > {T} - 3"
                             " and v.viewed_at + interval 2 day <= " + NOW + " and not exists(select 1 from oi where"
                             " oi.customer_id=v.customer_id and oi.product_id=v.product_id and oi.ordered_at between"
                             " v.viewed_at and v.viewed_at + interval 2 day))")
SEGS["email_to_purchase"] = ("exists(select 1 from e where e.customer_id=cc.customer_id and clicked and e.d > {T} - 30 and"
                             " exists(select 1 from o where o.customer_id=e.customer_id and o.status='paid' and o.d between"
                             " e.d and e.d + 2))")
SEGS["reviewed_and_returned"] = ("exists(select 1 from o o1 join rv r on r.customer_id=o1.customer_id join o o2 on"
                                 " o2.customer_id=o1.customer_id where o1.customer_id=cc.customer_id and o1.status='paid'"
                                 " and o1.d > {T} - interval 1 year and r.d between o1.d and o1.d + 30 and"
                                 " o2.status='paid' and o2.d between r.d and r.d + 60)")
ANNIVERSARY = ("case when birth_date + to_years(year({T}) - year(birth_date)) >= {T} then birth_date + to_years(year({T})"
               " - year(birth_date)) else birth_date + to_years(year({T}) - year(birth_date) + 1) end")
SEGS["birthday_next_week"] = "email_opt_in and is_adult and datediff('day', {T}, " + ANNIVERSARY + ") < 7"
SEGS["lapsed_this_quarter"] = ("exists(select 1 from o where o.customer_id=cc.customer_id and status='paid' and d >="
                               " date_trunc('quarter', {T}) - interval 3 month and d < date_trunc('quarter', {T})) and not"
                               " exists(select 1 from o where o.customer_id=cc.customer_id and d >= date_trunc('quarter', {T}))")
SEGS["frequent_this_month"] = ("(select count(distinct d) from o where o.customer_id=cc.customer_id and status='paid' and"
                               " d >= date_trunc('month', {T})) >= 3")
SEGS["second_order_this_month"] = ("(select d from o where o.customer_id=cc.customer_id and status='paid' order by"
                                   " ordered_at limit 1 offset 1) >= date_trunc('month', {T})")
SEGS["book_lovers"] = ("(select category from oi where oi.customer_id=cc.customer_id and category is not null group by"
                       " category order by count(*) desc, category limit 1) = 'books'")
SEGS["big_baskets"] = ("(select median(amount) from o where o.customer_id=cc.customer_id and status='paid' and"
                       " d > {T} - 365) > 120")
SEGS["weekly_visitors"] = ("(select count(distinct date_trunc('week', d)) from w where w.customer_id=cc.customer_id and"
                           " d >= date_trunc('week', {T}) - interval 28 day and d < date_trunc('week', {T})) >= 3")
SEGS["campaign_waves"] = ("coalesce(({cart_abandoners}), false) or coalesce(({browse_abandoners}), false) or"
                          " coalesce(({birthday_next_week}), false)")
SEGS["gmail_subscribers"] = "email_opt_in and lower(split_part(email, '@', 2)) = 'gmail.com'"
