# Russian demo data: Cyrillic letters in strings are intended.
"""Demo data for the interaction timeline: the correspondence the generator leaves out (it posts no
messages), so that a client's timeline shows e-mails, notes and done activities next to its documents,
and quotation sending dates in the past."""

import random
from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import api, models
from odoo.tools import SQL

EMAIL_SUBJECTS = (
    "Запрос коммерческого предложения",
    "Уточнение сроков поставки",
    "Счёт на оплату",
    "Вопрос по отгрузке",
    "Акт сверки",
)
EMAIL_BODIES = (
    "<p>Добрый день! Просим выставить счёт на следующую партию.</p>",
    "<p>Подскажите, пожалуйста, когда будет отгрузка по нашему заказу?</p>",
    "<p>Направляем реквизиты для договора. Ждём предложение.</p>",
)
NOTES = (
    "<p>Клиент просит скидку 5 % при оплате авансом.</p>",
    "<p>Созвонились, решение примут на следующей неделе.</p>",
    "<p>Отправили образцы, ждём обратную связь.</p>",
)


class CrmDemoGenerator(models.AbstractModel):
    _inherit = "crm.demo.generator"

    @api.model
    def _demo_steps(self):
        return self._demo_insert_step(
            super()._demo_steps(), "_demo_step_activities", "Timeline: correspondence", "_demo_step_timeline"
        )

    @api.model
    def _demo_summary_models(self):
        return super()._demo_summary_models() + ["mail.message"]

    def _demo_step_timeline(self, ctx):
        """E-mails from the clients' contacts and salespeople's notes on the clients (dated over the
        period, created in batches), three calls done by each salesperson on deals with a client, and
        sending dates of the quotations: the day before the order date for 70 % of the orders that went
        past the draft."""
        rng = random.Random(f"{ctx['seed']}:timeline")
        company = ctx["company"]
        start = ctx["plan"]["months"][0]
        days = max((ctx["today"] - start).days, 1)
        clients = ctx["clients"]
        salespeople = ctx["salespeople"]
        email_subtype = self.env.ref("mail.mt_comment")
        note_subtype = self.env.ref("mail.mt_note")
        vals_list = []
        for client in clients:
            contacts = client.child_ids or client
            for _index in range(rng.randint(1, 3)):
                when = datetime.combine(start + timedelta(days=rng.randrange(days)), time(rng.randint(8, 18)))
                vals_list.append(
                    {
                        "model": "res.partner",
                        "res_id": client.id,
                        "message_type": "email",
                        "subtype_id": email_subtype.id,
                        "author_id": rng.choice(contacts).id,
                        "email_from": client.email,
                        "subject": rng.choice(EMAIL_SUBJECTS),
                        "body": rng.choice(EMAIL_BODIES),
                        "date": when,
                    }
                )
            if rng.random() < 0.5:
                user = client.user_id or rng.choice(salespeople)
                when = datetime.combine(start + timedelta(days=rng.randrange(days)), time(rng.randint(8, 18)))
                vals_list.append(
                    {
                        "model": "res.partner",
                        "res_id": client.id,
                        "message_type": "comment",
                        "subtype_id": note_subtype.id,
                        "is_internal": True,
                        "author_id": user.partner_id.id,
                        "body": rng.choice(NOTES),
                        "date": when,
                    }
                )
        batch = ctx["config"]["batch"] * 10
        for index in range(0, len(vals_list), batch):
            self.env["mail.message"].create(vals_list[index : index + batch])
            self._demo_commit()
        # done activities: calls made by each salesperson on a few of their deals with a client, dated
        # over the period (the open and overdue activities of the demo are left as they are)
        call = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False)
        done = []
        if call:
            leads = self.env["crm.lead"].search(
                [("company_id", "=", company.id), ("user_id", "in", salespeople.ids), ("partner_id", "!=", False)],
                order="id",
            )
            by_user = defaultdict(list)
            for lead in leads:
                by_user[lead.user_id].append(lead)
            for user in salespeople:
                for lead in rng.sample(by_user[user], min(3, len(by_user[user]))):
                    activity = lead.with_user(user).activity_schedule(
                        act_type_xmlid="mail.mail_activity_data_call", summary="Звонок клиенту", user_id=user.id
                    )
                    message_id = activity.with_user(user).action_feedback(feedback="Договорились о встрече")
                    when = datetime.combine(start + timedelta(days=rng.randrange(days)), time(rng.randint(8, 18)))
                    done.append((message_id, when))
        for message_id, when in done:
            self.env.cr.execute(SQL("UPDATE mail_message SET date = %s WHERE id = %s", when, message_id))
        self.env["mail.message"].invalidate_model(["date"])
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE sale_order
                   SET crm_date_quotation_sent = CASE WHEN state = 'sent' THEN date_order + interval '2 hours'
                                                      ELSE date_order - interval '1 day' END
                 WHERE company_id = %(company)s AND state IN ('sent', 'sale') AND (mod(id, 10) < 7 OR state = 'sent')
                """,
                company=company.id,
            )
        )
        self.env["sale.order"].invalidate_model(["crm_date_quotation_sent"])
