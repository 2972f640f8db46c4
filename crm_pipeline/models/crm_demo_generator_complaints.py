# Russian demo data: Cyrillic letters in strings are intended.
"""Demo data: client complaints about the generated orders, in every state.

Each complaint is about a confirmed order, recorded a few days after it and
handled through the same state changes as in the interface (so that the
process hooks run); its dates are then put back in the order's time in SQL,
one statement per batch, like the generator does for the orders."""

import random
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# complaint category xmlid: (severity weights low/medium/high/critical, descriptions, resolutions)
COMPLAINTS = {
    "crm_pipeline.crm_complaint_category_quality": (
        (0.15, 0.45, 0.3, 0.1),
        (
            "Часть светильников не включается после монтажа.",
            "Кабель с повреждённой изоляцией в двух бухтах.",
            "Автоматы срабатывают при нагрузке ниже номинала.",
            "Перфоратор вышел из строя на второй день работы.",
        ),
        (
            "Брак заменён со склада, клиенту доставлено за наш счёт.",
            "Передано поставщику по гарантии, клиенту выдана замена.",
            "Сделан возврат денег за бракованные позиции.",
        ),
    ),
    "crm_pipeline.crm_complaint_category_delivery_delay": (
        (0.1, 0.4, 0.35, 0.15),
        (
            "Поставка задержана на неделю, бригада простаивает на объекте.",
            "Машина не приехала в согласованное окно доставки.",
            "Отгрузили на три дня позже даты в счёте.",
        ),
        (
            "Отгружено экспресс-доставкой, скидка 3 % на следующий заказ.",
            "Согласован новый график поставок с логистикой.",
        ),
    ),
    "crm_pipeline.crm_complaint_category_wrong_item": (
        (0.2, 0.5, 0.25, 0.05),
        (
            "Привезли кабель другого сечения.",
            "Вместо белых розеток пришли бежевые.",
            "Недовложение: не хватает двух коробок крепежа.",
        ),
        (
            "Пересорт заменён, лишний товар забран со склада клиента.",
            "Довезено недостающее количество.",
        ),
    ),
    "crm_pipeline.crm_complaint_category_billing": (
        (0.4, 0.45, 0.15, 0.0),
        (
            "В счёте цена выше согласованной в КП.",
            "Неверные реквизиты покупателя в счёте-фактуре.",
            "Счёт выставлен дважды.",
        ),
        (
            "Выставлен корректировочный счёт.",
            "Документы переоформлены и отправлены по ЭДО.",
        ),
    ),
    "crm_pipeline.crm_complaint_category_service": (
        (0.45, 0.4, 0.15, 0.0),
        (
            "Менеджер не перезвонил, как обещал.",
            "Долго не отвечали на запрос по наличию.",
        ),
        (
            "Проведена беседа с менеджером, клиенту принесены извинения.",
            "Клиенту назначен резервный менеджер на время отпуска.",
        ),
    ),
}
REJECTIONS = (
    "Товар повреждён при монтаже клиентом, гарантийный случай не подтверждён.",
    "Сроки соблюдены: доставка по договору в течение пяти рабочих дней.",
    "Претензия не подтвердилась при проверке на складе.",
)
SEVERITIES = ("low", "medium", "high", "critical")


class CrmDemoGenerator(models.AbstractModel):
    _inherit = "crm.demo.generator"

    @api.model
    def _demo_sizes(self):
        sizes = super()._demo_sizes()
        complaints = {"tiny": 8, "small": 40, "medium": 300, "large": 10000}
        for size, count in complaints.items():
            if size in sizes:
                sizes[size].setdefault("complaints", count)
        return sizes

    @api.model
    def _demo_steps(self):
        return self._demo_insert_step(
            super()._demo_steps(), "_demo_step_payments", "Complaints", "_demo_step_complaints"
        )

    @api.model
    def _demo_summary_models(self):
        return super()._demo_summary_models() + ["crm.complaint"]

    def _demo_step_complaints(self, ctx):
        rng = random.Random(f"{ctx['seed']}:complaints")
        count = ctx["config"].get("complaints", 0)
        order_ids = ctx.get("order_ids") or []
        categories = {xmlid: self.env.ref(xmlid, raise_if_not_found=False) for xmlid in COMPLAINTS}
        categories = {xmlid: category for xmlid, category in categories.items() if category}
        if not count or not order_ids or not categories:
            return
        now = fields.Datetime.now()
        today = ctx["today"]
        # a sample of the orders, kept in the sample's order; only confirmed ones are complained about
        sample = rng.sample(order_ids, min(len(order_ids), count * 3))
        orders = self.env["sale.order"].browse(sample)
        orders.fetch(["state", "date_order", "partner_id", "user_id"])
        orders = orders.filtered(lambda order: order.state == "sale")[:count]
        batch = ctx["config"]["batch"]
        deadline_days = self.env["crm.complaint"]._crm_complaint_deadline_days()
        Complaint = self.env["crm.complaint"]
        Sequence = self.env["ir.sequence"]
        counters = {}
        for start in range(0, len(orders), batch):
            chunk = orders[start : start + batch]
            chunk.order_line.fetch(["product_id", "display_type"])
            vals_list, plans = [], []
            for order in chunk:
                xmlid = rng.choice(sorted(categories))
                weights, descriptions, resolutions = COMPLAINTS[xmlid]
                severity = rng.choices(SEVERITIES, weights)[0]
                created = min(order.date_order + timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 8)), now)
                state = self._demo_complaint_state(rng, (today - created.date()).days, counters)
                products = order.order_line.filtered(lambda line: not line.display_type).product_id
                vals = {
                    "name": Sequence.next_by_code("crm.complaint", sequence_date=created.date()),
                    "sale_order_id": order.id,
                    "partner_id": order.partner_id.id,
                    "category_id": categories[xmlid].id,
                    "severity": severity,
                    "description": rng.choice(descriptions),
                    "product_id": rng.choice(products).id if products else False,
                }
                if xmlid.endswith(("delivery_delay", "wrong_item")) and order.picking_ids:
                    vals["picking_id"] = order.picking_ids[0].id
                if xmlid.endswith("billing") and order.invoice_ids:
                    vals["move_id"] = order.invoice_ids[0].id
                if state in ("resolved", "rejected"):
                    vals["resolution"] = rng.choice(resolutions if state == "resolved" else REJECTIONS)
                vals_list.append(vals)
                closed = None
                if state in ("resolved", "rejected"):
                    limit = deadline_days[severity] * rng.choice((0.5, 0.8, 1.0, 1.5, 3.0))
                    closed = min(created + timedelta(days=limit, hours=rng.randint(1, 6)), now)
                plans.append((state, created, created.date() + timedelta(days=deadline_days[severity]), closed))
            complaints = Complaint.create(vals_list)
            # the same state changes as in the interface, so that the process hooks run
            by_state = {
                state: complaints.browse([c.id for c, plan in zip(complaints, plans, strict=True) if plan[0] == state])
                for state in ("in_progress", "resolved", "rejected")
            }
            (by_state["in_progress"] | by_state["resolved"] | by_state["rejected"]).action_start()
            by_state["resolved"].action_resolve()
            by_state["rejected"].action_reject()
            self._demo_backdate_complaints(complaints, plans)
            self._demo_commit()

    def _demo_complaint_state(self, rng, age, counters):
        """State of a complaint recorded ``age`` days ago: old ones are mostly closed (one in six
        rejected), recent ones open; cycling within each age bucket gives every state."""
        bucket = "old" if age > 30 else "recent" if age > 7 else "new"
        index = counters[bucket] = counters.get(bucket, -1) + 1
        if bucket == "old":
            if index % 6 == 5:
                return "rejected"
            return "in_progress" if rng.random() < 0.05 else "resolved"
        if bucket == "recent":
            return ("new", "in_progress", "in_progress", "resolved")[index % 4]
        return ("new", "new", "in_progress")[index % 3]

    def _demo_backdate_complaints(self, complaints, plans):
        """Put the complaints back in their time: one UPDATE for the batch."""
        self.env.flush_all()
        closed = [plan[3] for plan in plans]
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_complaint c
                   SET create_date = v.created, date_deadline = v.deadline, date_closed = v.closed,
                       days_to_close = CASE WHEN v.closed IS NULL THEN 0
                                            ELSE EXTRACT(EPOCH FROM (v.closed - v.created)) / 86400.0 END
                  FROM unnest(%s::int[], %s::timestamp[], %s::date[], %s::timestamp[])
                       AS v(id, created, deadline, closed)
                 WHERE c.id = v.id
                """,
                complaints.ids,
                [plan[1] for plan in plans],
                [plan[2] for plan in plans],
                [value if isinstance(value, datetime) else None for value in closed],
            )
        )
        complaints.invalidate_recordset(["create_date", "date_deadline", "date_closed", "days_to_close"])
