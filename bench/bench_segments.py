"""Benchmark of the ABC/XYZ segmentation and the repeat-sale forecast at volume.

Run inside an Odoo shell on a database with crm_pipeline installed:

    BENCH_CLIENTS=100000 ./crmctl shell --db <db> < bench/bench_segments.py

It builds its own company with BENCH_CLIENTS clients and their confirmed sale
orders over 24 months in bulk SQL (orders per client skewed: most clients buy
a few times, some every week; 1-5 lines per order over 200 products in 8
categories), then times:

* the classification SQL (``_crm_segment_compute``), the pending count and
  one batch of partner updates (``_crm_segment_apply``, ORM);
* the full repeat-sale forecast (``_crm_repeat_refresh``), an incremental
  refresh after 1 % of the clients ordered again, and one batch of reminders.

Everything is rolled back at the end unless BENCH_KEEP=1.
"""

import os
import statistics
import time

from odoo.tools import SQL

env = env  # noqa: F821  (provided by the Odoo shell)
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))


def say(text):
    print(text, flush=True)  # pylint: disable=print-used


def timed(label, func, runs=RUNS):
    times, result = [], None
    for _i in range(runs):
        start = time.monotonic()
        result = func()
        times.append(time.monotonic() - start)
    times.sort()
    say(
        f"{label}: min {times[0]:.2f} s, p50 {statistics.median(times):.2f} s, max {times[-1]:.2f} s "
        f"({runs} runs) -> {result}"
    )
    return result


cr = env.cr


def build():
    start = time.monotonic()
    company = env["res.company"].create(
        {"name": f"Segments bench {CLIENTS}", "currency_id": env.company.currency_id.id}
    )
    categories = env["product.category"].create([{"name": f"Bench category {i}"} for i in range(8)])
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {i}",
                "type": "consu",
                "list_price": 100 + i * 7,
                "categ_id": categories[i % 8].id,
            }
            for i in range(200)
        ]
    )
    for product in products:
        product.with_company(company).standard_price = product.list_price * 0.7
    user = env["res.users"].search([("share", "=", False)], limit=1)
    env.flush_all()
    say(f"company {company.id}: inserting {CLIENTS} clients ...")
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (name, complete_name, is_company, active, type, autopost_bills, user_id,
                                     create_date, write_date)
            SELECT 'Bench client ' || g, 'Bench client ' || g, true, true, 'contact', 'ask', %s,
                   now() - interval '3 years', now() - interval '3 years'
              FROM generate_series(1, %s) g
            RETURNING id
            """,
            user.id,
            CLIENTS,
        )
    )
    partner_ids = [row[0] for row in cr.fetchall()]
    cr.execute(SQL("UPDATE res_partner SET commercial_partner_id = id WHERE id = ANY(%s)", partner_ids))
    say("inserting orders ...")
    cr.execute(
        SQL(
            """
            INSERT INTO sale_order (company_id, partner_id, partner_invoice_id, partner_shipping_id, name, date_order,
                                    picking_policy, state, currency_rate, user_id, create_date, write_date)
            SELECT %(company)s, p.id, p.id, p.id, 'BENCH/' || p.id || '/' || g,
                   now() - (random() * 730 || ' days')::interval, 'direct',
                   CASE WHEN random() < 0.9 THEN 'sale' ELSE 'cancel' END, 1.0, %(user)s,
                   now() - interval '2 days', now() - interval '2 days'
              FROM unnest(%(partners)s::int[]) AS p(id)
             CROSS JOIN LATERAL generate_series(1, 1 + floor(power(random() + p.id * 0, 3) * 60)::int) AS g
            """,
            company=company.id,
            user=user.id,
            partners=partner_ids,
        )
    )
    say(f"  {cr.rowcount} orders; inserting lines ...")
    cr.execute(
        SQL(
            """
            INSERT INTO sale_order_line (order_id, name, product_id, product_uom, product_uom_qty, price_unit,
                                         price_subtotal, customer_lead, company_id, currency_id, create_date, write_date)
            SELECT so.id, 'line', pr.id, pt.uom_id, q.qty, pt.list_price, q.qty * pt.list_price, 0, so.company_id,
                   %(currency)s, so.create_date, so.write_date
              FROM sale_order so
             CROSS JOIN LATERAL generate_series(1, 1 + floor(random() * 5 + so.id * 0)::int) AS l
             CROSS JOIN LATERAL (SELECT (%(products)s::int[])[1 + floor(random() * 200 + l * 0)::int] AS id) AS pr
              JOIN product_product pp ON pp.id = pr.id
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             CROSS JOIN LATERAL (SELECT 1 + floor(random() * 20 + l * 0)::int AS qty) AS q
             WHERE so.company_id = %(company)s
            """,
            company=company.id,
            currency=company.currency_id.id,
            products=products.ids,
        )
    )
    say(f"  {cr.rowcount} lines; analyze ...")
    cr.execute("ANALYZE res_partner, sale_order, sale_order_line")
    say(f"data built in {time.monotonic() - start:.0f} s")

    return company, partner_ids


existing = env["res.company"].search([("name", "=", f"Segments bench {CLIENTS}")], limit=1)
if existing:
    company = existing
    cr.execute(SQL("SELECT DISTINCT partner_id FROM sale_order WHERE company_id = %s ORDER BY partner_id", company.id))
    partner_ids = [row[0] for row in cr.fetchall()]
    say(f"reusing company {company.id} with {len(partner_ids)} clients")
else:
    company, partner_ids = build()

Segment = env["crm.partner.segment"]
Forecast = env["crm.repeat.forecast"]
company.crm_segment_measure = "revenue"
cr.execute(SQL("SELECT count(*) FROM sale_order WHERE company_id = %s", company.id))
orders = cr.fetchone()[0]
cr.execute(SQL("SELECT count(*) FROM sale_order_line WHERE company_id = %s", company.id))
say(f"{len(partner_ids)} clients, {orders} orders, {cr.fetchone()[0]} lines")
timed("classification, all steps (chunks of 50,000 clients + ranking)", lambda: Segment._crm_segment_compute(company))
timed("  of which the ranking UPDATE", lambda: Segment._crm_segment_rank(company))
pending = timed("pending partners (diff query)", lambda: Segment._crm_segment_pending_count(company))
batch = Segment._crm_segment_pending_ids(company, limit=1000)
timed(
    "apply one batch of 1000 partners (ORM: history, class fields)",
    lambda: Segment._crm_segment_apply(company, batch),
    runs=1,
)
say(f"  -> first full application of {pending} partners ~ {pending / 1000:.0f} batches")
company.crm_segment_measure = "margin"
timed("classification SQL with margin", lambda: Segment._crm_segment_compute(company), runs=1)
rows = timed(
    "repeat-sale forecast, full rebuild in one statement", lambda: len(Forecast._crm_repeat_refresh(company)), runs=1
)
env["crm.company.job"]._crm_job_write(company, "repeat", {"done_at": False})
timed(
    "repeat-sale forecast, full rebuild in chunks of 50,000 clients",
    lambda: Forecast._crm_repeat_refresh_company(company),
    runs=1,
)
cr.execute(SQL("SELECT count(*) FROM crm_repeat_forecast WHERE company_id = %s", company.id))
say(f"  forecast rows: {cr.fetchone()[0]} for {rows} clients")
env["crm.company.job"]._crm_job_write(company, "repeat", {"done_at": cr.now()})
# 1 % of the clients order again
cr.execute(
    SQL(
        """
        UPDATE sale_order SET date_order = now(), write_date = now()
         WHERE id IN (SELECT DISTINCT ON (partner_id) id FROM sale_order
                       WHERE company_id = %s AND partner_id = ANY(%s) ORDER BY partner_id, id)
        """,
        company.id,
        partner_ids[::100],
    )
)
timed(
    "incremental refresh after 1 % of the clients ordered",
    lambda: Forecast._crm_repeat_refresh_company(company),
    runs=1,
)
timed("due reminders (count)", lambda: Forecast._crm_repeat_due_count(company, env.cr.now().date()))
timed(
    "one batch of reminders (500 clients, ORM activities)",
    lambda: Forecast._crm_repeat_remind(company, limit=500),
    runs=1,
)
if os.environ.get("BENCH_KEEP") == "1":
    env.cr.commit()
    say("kept (BENCH_KEEP=1)")
else:
    env.cr.rollback()
    say("rolled back")
