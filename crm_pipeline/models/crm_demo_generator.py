# Russian demo data: Cyrillic letters in strings are intended.
"""Deterministic demo data of a Russian sales department, built through the ORM.

``env['crm.demo.generator'].generate(size='small', seed=42)`` creates a new
company with its users, teams, clients, products and 24 months of business
(quotations, sale orders, deliveries, invoices, payments, leads, meetings and
activities). The generator is split in two parts:

* planning (``_demo_plan`` / ``_demo_plan_month``): pure Python driven by
  ``random.Random(seed)`` and dates relative to today, no database access;
* steps (``_demo_steps``): each step turns a part of the plan into records
  through the ORM so that Odoo's business logic applies. Addons extending the
  generator append or insert their own steps; every step receives the shared
  context dict (company, users, teams, clients, products, orders, rng, ...).
"""

import math
import random
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

COMPANY_NAME = "ООО «Вектор»"

# Models whose row counts are reported in the summary (only those installed are counted).
SUMMARY_MODELS = (
    "res.company",
    "res.users",
    "crm.team",
    "res.partner",
    "product.product",
    "stock.quant",
    "sale.order",
    "sale.order.line",
    "stock.picking",
    "stock.move",
    "stock.move.line",
    "account.move",
    "account.move.line",
    "account.payment",
    "account.partial.reconcile",
    "utm.source",
    "utm.campaign",
    "crm.lead",
    "calendar.event",
    "mail.activity",
)

SEASONALITY = (0.70, 0.85, 1.00, 1.05, 1.05, 0.95, 0.80, 0.85, 1.10, 1.20, 1.15, 1.30)

MALE_FIRST = (
    "Александр Алексей Андрей Антон Артём Борис Вадим Василий Виктор Владимир Дмитрий Евгений Егор Иван Игорь "
    "Илья Кирилл Константин Максим Михаил Никита Николай Олег Павел Роман Сергей Станислав Юрий"
).split()
FEMALE_FIRST = (
    "Анастасия Анна Валентина Виктория Галина Дарья Екатерина Елена Ирина Ксения Людмила Марина Мария Наталья "
    "Ольга Светлана Татьяна Юлия"
).split()
PATRONYMIC_ROOTS = (
    "Александров Алексеев Андреев Борисов Васильев Викторов Владимиров Дмитриев Евгеньев Иванов Игорев Михайлов "
    "Николаев Олегов Павлов Петров Сергеев Юрьев"
).split()
SURNAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев "
    "Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев "
    "Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв "
    "Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков "
    "Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов"
).split()
FUNCTIONS = (
    "Генеральный директор",
    "Коммерческий директор",
    "Главный инженер",
    "Менеджер по закупкам",
    "Снабженец",
    "Главный бухгалтер",
    "Инженер ПТО",
    "Прораб",
    "Начальник участка",
    "Главный энергетик",
)
NAME_ROOTS = (
    "Альфа Бета Вега Гранит Дельта Енисей Заря Иртыш Квант Кедр Лидер Магистраль Меридиан Нева Олимп Орион Ока "
    "Полюс Прометей Радиус Рубеж Сапфир Север Сигма Сириус Спектр Старт Таврида Титан Урал Феникс Форвард Эталон "
    "Юпитер Ямал Волга Байкал Алтай Дон Кама Амур Вымпел Гелиос Импульс Кристалл Монолит Оникс Профи Ресурс"
).split()
NAME_SUFFIXES = (
    "Электро Монтаж ЭлектроМонтаж Строй Снаб Пром Сервис Торг Комплект Энерго Инжиниринг Системы Технологии "
    "Проект Свет Кабель Автоматика Групп Холдинг"
).split()
INDUSTRIES = (
    "Электромонтажные работы",
    "Строительство",
    "Промышленное производство",
    "Розничная торговля",
    "Оптовая торговля",
    "Энергетика",
    "Жилищно-коммунальное хозяйство",
    "Проектирование",
)
# city, area code, postcode prefix
CITIES = (
    ("Москва", "495", "1"),
    ("Москва", "499", "1"),
    ("Санкт-Петербург", "812", "19"),
    ("Новосибирск", "383", "630"),
    ("Екатеринбург", "343", "620"),
    ("Казань", "843", "420"),
    ("Нижний Новгород", "831", "603"),
    ("Челябинск", "351", "454"),
    ("Самара", "846", "443"),
    ("Ростов-на-Дону", "863", "344"),
    ("Уфа", "347", "450"),
    ("Красноярск", "391", "660"),
    ("Пермь", "342", "614"),
    ("Воронеж", "473", "394"),
    ("Волгоград", "844", "400"),
    ("Краснодар", "861", "350"),
    ("Тюмень", "345", "625"),
    ("Иркутск", "395", "664"),
    ("Ярославль", "485", "150"),
    ("Тула", "487", "300"),
)
STREETS = (
    "ул. Ленина",
    "ул. Советская",
    "ул. Мира",
    "пр-т Мира",
    "ул. Гагарина",
    "ул. Пушкина",
    "ул. Садовая",
    "ул. Промышленная",
    "ш. Энтузиастов",
    "ул. Заводская",
    "Ленинградский пр-т",
    "ул. Кирова",
    "ул. Октябрьская",
    "ул. Молодёжная",
    "ул. Строителей",
    "наб. Обводного канала",
    "ул. Профсоюзная",
    "Варшавское ш.",
    "ул. Береговая",
    "ул. Космонавтов",
)
MOBILE_CODES = ("903", "905", "909", "915", "916", "917", "925", "926", "929", "951", "961", "977", "985", "999")
FOREIGN_PHONES = ("+375 29 {a}-{b}-{c}", "+49 30 {a}{b}{c}7", "+998 90 {a} {b} {c}", "+7 727 {a}-{b}-{c}")
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh sch - y - e yu ya".split(),
        strict=True,
    )
)
# category: (unit: 'm' or 'unit', price range, product name templates)
PRODUCT_CATEGORIES = (
    (
        "Кабель и провод",
        "m",
        (60, 900),
        [
            f"{kind} {cores}x{section} мм²"
            for kind in ("Кабель ВВГнг(А)-LS", "Кабель NYM", "Провод ПуГВ", "Кабель КГтп", "Кабель АВБШв")
            for cores in (1, 3, 5)
            for section in ("1,5", "2,5", "4", "6", "10")
        ],
    ),
    (
        "Светотехника",
        "unit",
        (350, 9000),
        [
            f"{kind} {power} Вт {temp}K"
            for kind in ("Светильник светодиодный офисный", "Прожектор LED", "Светильник ДПО", "Лампа LED A60")
            for power in (10, 20, 36, 50)
            for temp in (4000, 6500)
        ],
    ),
    (
        "Инструмент",
        "unit",
        (400, 25000),
        [
            f"{kind} {model}"
            for kind in ("Перфоратор", "Шуруповёрт аккумуляторный", "Клещи обжимные", "Мультиметр", "Кабелерез")
            for model in ("ПР-800", "ПР-1200", "ШУ-18", "КО-16", "М-830", "КР-50")
        ],
    ),
    (
        "Электроустановочные изделия",
        "unit",
        (90, 1500),
        [
            f"{kind} {series}, {color}"
            for kind in ("Розетка с заземлением", "Выключатель одноклавишный", "Выключатель двухклавишный")
            for series in ("серия Этюд", "серия Глосса", "серия Валена")
            for color in ("белый", "бежевый", "антрацит")
        ],
    ),
    (
        "Автоматика и щиты",
        "unit",
        (250, 35000),
        [
            f"{kind} {rating}"
            for kind in ("Автоматический выключатель 1P C", "Автоматический выключатель 3P C", "УЗО 2P", "Щит ЩРН")
            for rating in ("16А", "25А", "32А", "40А", "63А")
        ],
    ),
    (
        "Крепёж",
        "unit",
        (30, 900),
        [
            f"{kind} {size}, уп. 100 шт."
            for kind in ("Дюбель-гвоздь", "Анкер клиновой", "Хомут нейлоновый", "Скоба крепёжная")
            for size in ("6x40", "6x60", "8x60", "8x80", "10x100")
        ],
    ),
    (
        "Кабеленесущие системы",
        "unit",
        (120, 4500),
        [
            f"{kind} {size}"
            for kind in ("Лоток перфорированный", "Кабель-канал", "Труба гофрированная ПВХ", "Короб распаячный")
            for size in ("50x50", "100x50", "200x80", "16 мм", "25 мм")
        ],
    ),
    (
        "Средства защиты",
        "unit",
        (150, 6000),
        [
            f"{kind} {size}"
            for kind in ("Перчатки диэлектрические", "Боты диэлектрические", "Указатель напряжения", "Коврик")
            for size in ("до 1 кВ", "до 10 кВ", "тип А", "тип Б")
        ],
    ),
)
# key: (name, medium, weight share)
LEAD_SOURCES = (
    ("site", "Форма на сайте", "Сайт", 0.35),
    ("yandex", "Яндекс Директ", "Контекстная реклама", 0.25),
    ("phone", "Телефон", "Телефон", 0.20),
    ("expo", "Выставка", "Выставка", 0.08),
    ("referral", "Рекомендация", "Рекомендация", 0.12),
)
YANDEX_CAMPAIGNS = ("Яндекс Директ — Кабель", "Яндекс Директ — Освещение", "Яндекс Директ — Бренд")
LOST_REASONS = (
    "Дорого",
    "Выбрали конкурента",
    "Нет бюджета",
    "Нет нужного товара в наличии",
    "Не наш клиент",
    "Не выходит на связь",
)
LEAD_SUBJECTS = (
    "Запрос цены на кабель",
    "Нужен счёт на светильники",
    "Комплектация объекта",
    "Поставка автоматики для щитов",
    "Запрос каталога",
    "Тендер на электромонтаж",
    "Повторная закупка",
    "Подбор аналога",
    "Поставка инструмента бригаде",
    "Освещение склада",
)
TEAM_NAMES = ("Москва", "Регионы", "Ключевые клиенты")
ACTIVITY_SUMMARIES = (
    "Перезвонить по КП",
    "Уточнить объёмы",
    "Отправить счёт",
    "Согласовать сроки поставки",
    "Напомнить об оплате",
    "Договориться о встрече",
)
MEETING_NAMES = ("Встреча с клиентом", "Презентация продукции", "Обсуждение договора", "Выезд на объект")


def _say(text):
    """Progress for the person running the generator (``./crmctl demo``): it
    goes to the terminal, not to the server log, which runs at warning level."""
    print(text, flush=True)  # pylint: disable=print-used


class _Progress:
    """Prints k/n done, rate and estimated time left at most every few seconds."""

    interval = 3.0

    def __init__(self, label, total, unit="rows"):
        self.label = label
        self.total = max(total, 1)
        self.unit = unit
        self.done = 0
        self.printed = None
        self.start = self.last = time.monotonic()

    def advance(self, n=1, force=False):
        self.done += n
        now = time.monotonic()
        if self.done == self.printed:
            return
        if not force and now - self.last < self.interval and self.done < self.total:
            return
        self.last = now
        self.printed = self.done
        elapsed = max(now - self.start, 1e-6)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        _say(
            f"  {self.label}: {self.done}/{self.total} {self.unit} ({100 * self.done // self.total}%), "
            f"{rate:.1f} {self.unit}/s, ~{left:.0f} s left",
        )


class CrmDemoGenerator(models.AbstractModel):
    _name = "crm.demo.generator"
    _description = "CRM demo data generator"

    # ------------------------------------------------------------------ configuration

    @api.model
    def _demo_sizes(self):
        """Volumes per size; extending addons may add keys for their own steps."""
        return {
            "tiny": {
                "clients": 20,
                "salespeople": 3,
                "products": 16,
                "months": 4,
                "orders_per_month": 10,
                "leads": 50,
                "batch": 50,
            },
            "small": {
                "clients": 300,
                "salespeople": 9,
                "products": 100,
                "months": 24,
                "orders_per_month": 40,
                "leads": 600,
                "batch": 100,
            },
            "medium": {
                "clients": 3000,
                "salespeople": 30,
                "products": 400,
                "months": 24,
                "orders_per_month": 600,
                "leads": 6000,
                "batch": 300,
            },
            "large": {
                "clients": 200000,
                "salespeople": 100,
                "products": 2000,
                "months": 24,
                "orders_per_month": 40000,
                "leads": 300000,
                "batch": 1000,
            },
        }

    @api.model
    def _demo_steps(self):
        """Ordered (label, method name) pairs; each method takes the shared context dict."""
        return [
            ("Company", "_demo_step_company"),
            ("Users", "_demo_step_users"),
            ("Sales teams", "_demo_step_teams"),
            ("Products", "_demo_step_products"),
            ("Clients", "_demo_step_clients"),
            ("Stock", "_demo_step_stock"),
            ("Sale orders", "_demo_step_orders"),
            ("Payments", "_demo_step_payments"),
            ("Channels", "_demo_step_channels"),
            ("Leads", "_demo_step_leads"),
            ("Meetings and activities", "_demo_step_activities"),
        ]

    @api.model
    def _demo_insert_step(self, steps, after, label, method):
        """``steps`` with ``(label, method)`` placed right after the step whose
        method is ``after`` (at the end when there is none): how inheriting
        addons add their part in ``_demo_steps``."""
        methods = [name for _label, name in steps]
        index = methods.index(after) + 1 if after in methods else len(steps)
        return [*steps[:index], (label, method), *steps[index:]]

    # ------------------------------------------------------------------ entry point

    @api.model
    def generate(self, size="small", seed=42):
        """Build the demo dataset of ``size`` deterministically from ``seed``.

        Commits between batches only when the context has ``crm_demo_commit``.
        Returns the number of rows created per model.
        """
        sizes = self._demo_sizes()
        if size not in sizes:
            raise UserError(_("Unknown demo size %(size)s; use one of %(sizes)s.", size=size, sizes=", ".join(sizes)))
        if self.env["res.company"].sudo().search_count([("name", "=", COMPANY_NAME)]):
            raise UserError(_("The demo company %(name)s already exists in this database.", name=COMPANY_NAME))
        today = fields.Date.context_today(self)
        gen = self.with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
            mail_auto_subscribe_no_notify=True,
            mail_activity_quick_update=True,
            no_reset_password=True,
            no_mail_to_attendees=True,
            skip_sms=True,
        )
        start = time.monotonic()
        counts_before = gen._demo_row_counts()
        ctx = {
            "size": size,
            "seed": seed,
            "config": sizes[size],
            "today": today,
            "rng": random.Random(f"{seed}:steps"),
            "plan": gen._demo_plan(size, seed, today),
        }
        _say(f"CRM demo data: size {size}, seed {seed}, {ctx['plan']['months'][0]} .. {today}")
        steps = gen._demo_steps()
        for index, (label, method) in enumerate(steps, 1):
            step_start = time.monotonic()
            _say(f"[{index}/{len(steps)}] {label} ...")
            getattr(gen.with_context(**ctx.get("env_context", {})), method)(ctx)
            gen._demo_commit()
            _say(f"[{index}/{len(steps)}] {label}: done in {time.monotonic() - step_start:.1f} s")
        self.env.flush_all()
        counts = gen._demo_row_counts()
        created = {model: counts[model] - counts_before.get(model, 0) for model in counts}
        elapsed = time.monotonic() - start
        total = sum(created.values())
        _say("CRM demo data: rows created per model")
        for model, count in created.items():
            if count:
                _say(f"  {model:28} {count:>10}")
        _say(f"  {'total':28} {total:>10} in {elapsed:.1f} s ({total / max(elapsed, 1e-6):.0f} rows/s)")
        return created

    def _demo_commit(self):
        """Commit only for the command line generator; tests never commit."""
        if self.env.context.get("crm_demo_commit"):
            # Large datasets take hours: keep every finished batch. Only the
            # command line passes crm_demo_commit; tests never commit.
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _demo_summary_models(self):
        """Models whose new rows are counted in the summary; extending addons add theirs."""
        return list(SUMMARY_MODELS)

    def _demo_row_counts(self):
        self.env.flush_all()
        counts = {}
        for model in self._demo_summary_models():
            if model in self.env:
                self.env.cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(self.env[model]._table)))
                counts[model] = self.env.cr.fetchone()[0]
        return counts

    # ------------------------------------------------------------------ planning (pure)

    @api.model
    def _demo_plan(self, size, seed, today):
        """The static part of the dataset: clients, products, leads and months.

        Pure function of (size, seed, today): no database access.
        """
        cfg = self._demo_sizes()[size]
        rng = random.Random(f"{seed}:plan")
        first = today.replace(day=1) - relativedelta(months=cfg["months"] - 1)
        months = [first + relativedelta(months=i) for i in range(cfg["months"])]
        nb_sales = cfg["salespeople"]
        # three teams: Moscow, regions, key accounts; salespeople split in three chunks
        team_members = [list(range(nb_sales))[t::3] for t in range(3)]
        products = self._demo_plan_products(rng, cfg["products"])
        clients = self._demo_plan_clients(rng, cfg["clients"], team_members, len(PRODUCT_CATEGORIES), len(months))
        plan = {
            "size": size,
            "seed": seed,
            "today": today,
            "months": months,
            "team_members": team_members,
            "products": products,
            "clients": clients,
            "client_weights": [c["weight"] for c in clients],
        }
        plan["leads"] = self._demo_plan_leads(rng, plan, cfg["leads"])
        return plan

    def _demo_phone(self, rng, fmt, area=None):
        area = area or rng.choice(MOBILE_CODES)
        a, b, c = f"{rng.randrange(100, 1000)}", f"{rng.randrange(0, 100):02d}", f"{rng.randrange(0, 100):02d}"
        if fmt == 0:
            return f"+7 {area} {a}-{b}-{c}"
        if fmt == 1:
            return f"8 ({area}) {a}-{b}-{c}"
        if fmt == 2:
            return f"7{area}{a}{b}{c}"
        if fmt == 3:
            return f"+7 ({area}) {a}-{b}-{c} доб. {rng.randrange(100, 1000)}"
        if fmt == 4:
            return f"8-{area}-{a}-{b}-{c} ext. {rng.randrange(10, 100)}"
        return rng.choice(FOREIGN_PHONES).format(a=a, b=b, c=c)

    def _demo_translit(self, text):
        return "".join(TRANSLIT.get(ch, ch) for ch in text.lower()).replace("-", "")

    def _demo_person(self, rng):
        female = rng.random() < 0.35
        surname = rng.choice(SURNAMES)
        patronymic = rng.choice(PATRONYMIC_ROOTS)
        if female:
            first = rng.choice(FEMALE_FIRST)
            surname = surname + "а"
            patronymic = patronymic + "на"
        else:
            first = rng.choice(MALE_FIRST)
            patronymic = patronymic + "ич"
        return first, patronymic, surname

    def _demo_plan_products(self, rng, count):
        products = []
        per_category = math.ceil(count / len(PRODUCT_CATEGORIES))
        for categ_index, (_categ, unit, (low, high), names) in enumerate(PRODUCT_CATEGORIES):
            chosen = rng.sample(names, min(per_category, len(names)))
            while len(chosen) < per_category:  # large sizes: numbered variants
                chosen.append(f"{rng.choice(names)} (арт. {len(chosen) + 1})")
            for name in chosen:
                price = round(rng.uniform(low, high), 0 if high > 1000 else 2)
                products.append(
                    {
                        "name": name,
                        "category": categ_index,
                        "unit": unit,
                        "price": price,
                        "cost": round(price * rng.uniform(0.55, 0.8), 2),
                    }
                )
        products = products[:count]
        for index, product in enumerate(products, 1):
            product["code"] = f"VK-{index:05d}"
        return products

    def _demo_plan_clients(self, rng, count, team_members, nb_categories, months):
        names = set()
        clients = []
        # Pareto-like weights by rank (about 20 % of the clients make 80 % of the revenue)
        ranks = list(range(1, count + 1))
        rng.shuffle(ranks)
        key_cut = max(1, count // 10)
        for index in range(count):
            rank = ranks[index]
            city, area, zip_prefix = rng.choice(CITIES)
            form = rng.choices(("ООО", "АО", "ИП"), (0.72, 0.14, 0.14))[0]
            if form == "ИП":
                first, patronymic, surname = self._demo_person(rng)
                name = f"ИП {surname} {first[0]}. {patronymic[0]}."
                domain_root = self._demo_translit(surname)
            else:
                root, suffix = rng.choice(NAME_ROOTS), rng.choice(NAME_SUFFIXES)
                name = f"{form} «{root}-{suffix}»"
                domain_root = f"{self._demo_translit(root)}-{self._demo_translit(suffix)}"
            if name in names:
                name = f"{name[:-1]} {index}»" if form != "ИП" else f"{name} ({city})"
                domain_root = f"{domain_root}{index}"
            names.add(name)
            if rank <= key_cut:
                team = 2
            elif city == "Москва":
                team = 0
            else:
                team = 1
            members = team_members[team] or team_members[0]
            contacts = []
            for _i in range(rng.choice((1, 1, 2, 2, 3))):
                first, patronymic, surname = self._demo_person(rng)
                contacts.append(
                    {
                        "name": f"{surname} {first} {patronymic}",
                        "function": rng.choice(FUNCTIONS),
                        "mobile": self._demo_phone(rng, rng.choice((0, 1, 2))),
                        "email": f"{self._demo_translit(first)[0]}.{self._demo_translit(surname)}@{domain_root}.ru",
                    }
                )
            clients.append(
                {
                    "name": name,
                    "city": city,
                    "zip": f"{zip_prefix}{rng.randrange(0, 10 ** (6 - len(zip_prefix))):0{6 - len(zip_prefix)}d}",
                    "street": f"{rng.choice(STREETS)}, д. {rng.randrange(1, 150)}"
                    + (f", офис {rng.randrange(1, 500)}" if rng.random() < 0.5 else ""),
                    # every format of the list appears: cycle over them for the company phone
                    "phone": self._demo_phone(rng, index % 5, area),
                    "mobile": self._demo_phone(rng, 5 if index % 10 == 7 else rng.choice((0, 1, 2))),
                    "email": f"info@{domain_root}.ru",
                    "website": f"https://{domain_root}.ru" if rng.random() < 0.6 else False,
                    "industry": rng.randrange(len(INDUSTRIES)),
                    "team": team,
                    "salesperson": rng.choice(members),
                    "contacts": contacts,
                    "rank": rank,
                    "weight": rank**-1.2,
                    "key_account": rank <= key_cut,
                    "first_month": rng.randrange(months),
                    "categories": rng.sample(range(nb_categories), 3),
                    "late_payer": rng.random() < 0.2,
                }
            )
        return clients

    def _demo_plan_leads(self, rng, plan, count):
        today = plan["today"]
        start = plan["months"][0]
        span = (today - start).days
        sources = [s[0] for s in LEAD_SOURCES]
        source_weights = [s[3] for s in LEAD_SOURCES]
        clients = plan["clients"]
        leads = []
        for index in range(count):
            created = start + timedelta(days=rng.randrange(span + 1))
            # make the most recent leads part of the current work
            if index % 5 == 0:
                created = today - timedelta(days=rng.randrange(min(30, span) + 1))
            age = (today - created).days
            source = rng.choices(sources, source_weights)[0]
            client = rng.randrange(len(clients)) if rng.random() < 0.45 else None
            roll = rng.random()
            if age > 60:
                state = "won" if roll < 0.3 else "lost" if roll < 0.85 else "opportunity"
            else:
                state = (
                    "pool"
                    if roll < 0.25
                    else "assigned"
                    if roll < 0.45
                    else "opportunity"
                    if roll < 0.85
                    else "won"
                    if roll < 0.93
                    else "lost"
                )
            if state == "won" and client is None:
                client = rng.randrange(len(clients))
            first, patronymic, surname = self._demo_person(rng)
            root, suffix = rng.choice(NAME_ROOTS), rng.choice(NAME_SUFFIXES)
            closed = None
            if state in ("won", "lost"):
                closed = min(today, created + timedelta(days=rng.randrange(3, 60)))
            leads.append(
                {
                    "name": rng.choice(LEAD_SUBJECTS),
                    "source": source,
                    "campaign": rng.randrange(len(YANDEX_CAMPAIGNS)) if source == "yandex" else None,
                    "client": client,
                    "contact_name": f"{first} {surname}",
                    "partner_name": f"ООО «{root}-{suffix}»",
                    "phone": self._demo_phone(rng, rng.randrange(5)),
                    "email": f"{self._demo_translit(first)}@{self._demo_translit(root)}.ru",
                    "state": state,
                    "created": created,
                    "opened": created + timedelta(hours=rng.randrange(1, 72)),
                    "closed": closed,
                    "revenue": round(rng.lognormvariate(11.5, 1.0), -3),
                    "stage": rng.random(),
                    "lost_reason": rng.randrange(len(LOST_REASONS)),
                    "salesperson": rng.choice(plan["team_members"][0] + plan["team_members"][1]),
                    "team": rng.randrange(3),
                }
            )
        return leads

    @api.model
    def _demo_plan_month(self, plan, month_index):
        """Quotations and orders of one month with their delivery, invoice and payment dates.

        Pure function of the plan and the month (seeded per month, so months can be planned lazily).
        """
        cfg = self._demo_sizes()[plan["size"]]
        rng = random.Random(f"{plan['seed']}:month:{month_index}")
        today = plan["today"]
        month = plan["months"][month_index]
        last_day = min((month + relativedelta(months=1)) - timedelta(days=1), today)
        days = (last_day - month).days + 1
        trend = 0.8 + 0.4 * month_index / max(len(plan["months"]) - 1, 1)
        expected = cfg["orders_per_month"] * SEASONALITY[month.month - 1] * trend * days / 30.0
        count = max(1, round(expected * rng.uniform(0.9, 1.1)))
        clients = plan["clients"]
        products_by_categ = defaultdict(list)
        for index, product in enumerate(plan["products"]):
            products_by_categ[product["category"]].append(index)
        client_indexes = rng.choices(range(len(clients)), plan["client_weights"], k=count)
        # every client orders at least once over the period (the C class of the ABC analysis)
        client_indexes += [index for index, client in enumerate(clients) if client["first_month"] == month_index]
        orders = []
        for client_index in client_indexes:
            client = clients[client_index]
            day = month + timedelta(days=rng.randrange(days))
            order_dt = datetime.combine(day, datetime.min.time()) + timedelta(hours=rng.randrange(6, 15))
            lines = []
            for product_index in self._demo_pick_products(rng, client, products_by_categ, len(plan["products"])):
                unit = plan["products"][product_index]["unit"]
                qty = rng.randrange(50, 1001, 50) if unit == "m" else rng.randrange(1, 41)
                if client["key_account"]:
                    qty *= 2
                lines.append((product_index, qty))
            age = (today - day).days
            roll = rng.random()
            if roll < 0.07:
                state = "cancel"
            elif age < 30 and roll < 0.40:
                state = "draft" if roll < 0.22 else "sent"
            elif roll < 0.11:
                state = "sent"
            else:
                state = "sale"
            order = {"client": client_index, "date": order_dt, "lines": lines, "state": state}
            if state == "sale":
                delivered = min(day + timedelta(days=rng.randrange(0, 4)), today)
                invoiced = delivered
                due = invoiced + timedelta(days=30)
                if rng.random() < 0.04:
                    paid = None  # never paid: overdue debt
                elif client["late_payer"] or rng.random() < 0.05:
                    paid = due + timedelta(days=rng.randrange(20, 91))
                else:
                    paid = invoiced + timedelta(days=rng.randrange(2, 31))
                if paid and paid > today:
                    paid = None
                order.update(delivered=delivered, invoiced=invoiced, paid=paid)
            orders.append(order)
        orders.sort(key=lambda o: o["date"])
        return orders

    def _demo_pick_products(self, rng, client, products_by_categ, nb_products):
        picked = []
        for _i in range(rng.choice((1, 2, 2, 3, 3, 4, 5, 6))):
            if rng.random() < 0.8:
                pool = products_by_categ[rng.choice(client["categories"])] or [0]
                product = rng.choice(pool)
            else:
                product = rng.randrange(nb_products)
            if product not in picked:
                picked.append(product)
        return picked

    # ------------------------------------------------------------------ steps

    def _demo_step_company(self, ctx):
        rub = self.env.ref("base.RUB").sudo()
        if not rub.active:
            rub.active = True
        russia = self.env.ref("base.ru")
        company = self.env["res.company"].create(
            {
                "name": COMPANY_NAME,
                "currency_id": rub.id,
                "country_id": russia.id,
                "city": "Москва",
                "zip": "107023",
                "street": "ул. Большая Семёновская, д. 40, стр. 1",
                "phone": "+7 (495) 123-45-67",
                "vat": "7719456789",
            }
        )
        # written after the creation: a new company with an e-mail domain would be sent to the
        # partner autocomplete service (when installed), and this company is fictional
        company.write({"email": "info@vektor-electro.ru", "website": "https://vektor-electro.ru"})
        self.env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
        # the generic chart sets its template currency (USD); no entry exists yet, so it can still change
        company.currency_id = rub
        admin = self.env.ref("base.user_admin")
        admin.write({"company_ids": [Command.link(company.id)], "company_id": company.id})
        gen = self.with_company(company)
        term = self.env.ref("account.account_payment_term_30days", raise_if_not_found=False)
        if not term or (term.company_id and term.company_id != company):
            term = gen.env["account.payment.term"].create(
                {"name": "30 дней", "line_ids": [Command.create({"value": "percent", "nb_days": 30})]}
            )
        pricelist = gen.env["product.pricelist"].create(
            {"name": "Базовый прайс-лист", "currency_id": rub.id, "company_id": company.id}
        )
        # stock creates the warehouse of a new company only in test mode (otherwise the onboarding does)
        warehouse = gen.env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        if not warehouse:
            warehouse = gen.env["stock.warehouse"].create(
                {"name": "Склад Москва", "code": "MSK", "company_id": company.id, "partner_id": company.partner_id.id}
            )
        ctx.update(
            company=company,
            payment_term=term,
            pricelist=pricelist,
            warehouse=warehouse,
            env_context={"allowed_company_ids": [company.id]},
        )

    def _demo_step_users(self, ctx):
        company = ctx["company"]
        lang = "ru_RU" if self.env["res.lang"]._lang_get("ru_RU") else self.env.lang or "en_US"
        ref = self.env.ref
        stock_user = ref("stock.group_stock_user")
        head_groups = [ref("crm_pipeline.group_crm_head"), stock_user, ref("account.group_account_invoice")]
        sales_groups = [ref("crm_pipeline.group_crm_salesperson"), stock_user]
        rng = random.Random(f"{ctx['seed']}:users")
        specs = [("head", head_groups)]
        specs += [(f"sales{i}", sales_groups) for i in range(1, ctx["config"]["salespeople"] + 1)]
        specs.append(("marketer", [ref("crm_pipeline.group_crm_marketer")]))
        vals_list = []
        for login, groups in specs:
            first, _patronymic, surname = self._demo_person(rng)
            vals_list.append(
                {
                    "name": f"{first} {surname}",
                    "login": login,
                    "password": login,
                    "email": f"{login}@vektor-electro.ru",
                    "lang": lang,
                    "tz": "Europe/Moscow",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [Command.set([g.id for g in groups])],
                }
            )
        users = self.env["res.users"].create(vals_list)
        ctx["head"] = users[0]
        ctx["salespeople"] = users[1:-1]
        ctx["marketer"] = users[-1]
        ctx["users"] = users

    def _demo_step_teams(self, ctx):
        salespeople = ctx["salespeople"]
        teams = self.env["crm.team"]
        for index, name in enumerate(TEAM_NAMES):
            members = salespeople.browse([salespeople[i].id for i in ctx["plan"]["team_members"][index]])
            leader = ctx["head"] if index == 0 else members[:1]
            teams |= self.env["crm.team"].create(
                {
                    "name": name,
                    "company_id": ctx["company"].id,
                    "user_id": leader.id,
                    "use_leads": True,
                    "use_opportunities": True,
                    "member_ids": [Command.set((members | leader).ids)],
                    "sequence": index,
                }
            )
        ctx["teams"] = teams

    def _demo_step_products(self, ctx):
        company = ctx["company"]
        categories = self.env["product.category"].create(
            [{"name": name} for name, _unit, _prices, _names in PRODUCT_CATEGORIES]
        )
        meter = self.env.ref("uom.product_uom_meter")
        unit = self.env.ref("uom.product_uom_unit")
        plan_products = ctx["plan"]["products"]
        progress = _Progress("products", len(plan_products), "products")
        batch = ctx["config"]["batch"] * 5
        products = self.env["product.product"]
        for start in range(0, len(plan_products), batch):
            vals_list = []
            for spec in plan_products[start : start + batch]:
                uom = meter if spec["unit"] == "m" else unit
                vals_list.append(
                    {
                        "name": spec["name"],
                        "default_code": spec["code"],
                        "type": "consu",
                        "is_storable": True,
                        "categ_id": categories[spec["category"]].id,
                        "list_price": spec["price"],
                        "standard_price": spec["cost"],
                        "uom_id": uom.id,
                        "uom_po_id": uom.id,
                        "invoice_policy": "order",
                        "company_id": company.id,
                    }
                )
            products |= self.env["product.product"].create(vals_list)
            progress.advance(len(vals_list))
            self._demo_commit()
        ctx["categories"] = categories
        ctx["products"] = products

    def _demo_step_clients(self, ctx):
        company = ctx["company"]
        russia = self.env.ref("base.ru")
        industries = self.env["res.partner.industry"].search([], order="id")
        tags = self.env["res.partner.category"].create([{"name": name} for name in INDUSTRIES])
        plan_clients = ctx["plan"]["clients"]
        salespeople = ctx["salespeople"]
        batch = ctx["config"]["batch"] * 5
        progress = _Progress("clients", len(plan_clients), "clients")
        clients = []
        Partner = self.env["res.partner"]
        for start in range(0, len(plan_clients), batch):
            vals_list = []
            for spec in plan_clients[start : start + batch]:
                vals = {
                    "name": spec["name"],
                    "is_company": True,
                    "company_id": company.id,
                    "country_id": russia.id,
                    "city": spec["city"],
                    "zip": spec["zip"],
                    "street": spec["street"],
                    "phone": spec["phone"],
                    "mobile": spec["mobile"],
                    "email": spec["email"],
                    "website": spec["website"],
                    "user_id": salespeople[spec["salesperson"]].id,
                    "category_id": [Command.set(tags[spec["industry"]].ids)],
                    "property_payment_term_id": ctx["payment_term"].id,
                    "property_product_pricelist": ctx["pricelist"].id,
                    "child_ids": [
                        Command.create(
                            {
                                "name": contact["name"],
                                "type": "contact",
                                "function": contact["function"],
                                "mobile": contact["mobile"],
                                "email": contact["email"],
                                "company_id": company.id,
                            }
                        )
                        for contact in spec["contacts"]
                    ],
                }
                if industries:
                    vals["industry_id"] = industries[spec["industry"] % len(industries)].id
                vals_list.append(vals)
            partners = Partner.create(vals_list)
            clients.extend(partners.ids)
            progress.advance(len(vals_list))
            self._demo_commit()
        ctx["clients"] = Partner.browse(clients)

    def _demo_step_stock(self, ctx):
        """One inventory adjustment covering the demand of the whole period, dated its first day."""
        plan = ctx["plan"]
        demand = Counter()
        for month_index in range(len(plan["months"])):
            for order in self._demo_plan_month(plan, month_index):
                if order["state"] == "sale":
                    for product_index, qty in order["lines"]:
                        demand[product_index] += qty
        location = ctx["warehouse"].lot_stock_id
        products = ctx["products"]
        Quant = self.env["stock.quant"].with_context(inventory_mode=True)
        batch = ctx["config"]["batch"] * 5
        progress = _Progress("stock", len(products), "products")
        start_dt = datetime.combine(plan["months"][0], datetime.min.time())
        for start in range(0, len(products), batch):
            chunk = products[start : start + batch]
            quants = Quant.create(
                [
                    {
                        "product_id": product.id,
                        "location_id": location.id,
                        "inventory_quantity": math.ceil(demand[start + offset] * 1.1) + 20,
                    }
                    for offset, product in enumerate(chunk)
                ]
            )
            quants.action_apply_inventory()
            # backdate the inventory moves to the first day of the period (plain timestamps, no dependents)
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE stock_move SET date = %s WHERE product_id = ANY(%s) AND is_inventory", [start_dt, chunk.ids]
            )
            self.env.cr.execute(
                "UPDATE stock_move_line SET date = %s WHERE product_id = ANY(%s) AND move_id IN "
                "(SELECT id FROM stock_move WHERE product_id = ANY(%s) AND is_inventory)",
                [start_dt, chunk.ids, chunk.ids],
            )
            self.env["stock.move"].invalidate_model(["date"])
            self.env["stock.move.line"].invalidate_model(["date"])
            progress.advance(len(chunk))
            self._demo_commit()

    def _demo_step_orders(self, ctx):
        plan = ctx["plan"]
        # estimate for the progress line (the exact count is known month by month)
        total = len(plan["clients"]) + sum(
            round(ctx["config"]["orders_per_month"] * SEASONALITY[m.month - 1]) for m in plan["months"]
        )
        progress = _Progress("orders", total, "orders")
        ctx.setdefault("order_ids", [])
        ctx.setdefault("orders_by_client", defaultdict(list))
        ctx.setdefault("invoice_payments", [])
        batch = ctx["config"]["batch"]
        for month_index in range(len(plan["months"])):
            self._demo_analyze()
            month_orders = self._demo_plan_month(plan, month_index)
            for start in range(0, len(month_orders), batch):
                chunk = month_orders[start : start + batch]
                self._demo_create_orders(ctx, chunk)
                progress.advance(len(chunk))
                self._demo_commit()
        progress.total = progress.done
        progress.advance(0, force=True)

    def _demo_create_orders(self, ctx, specs):
        company = ctx["company"]
        clients, products, salespeople = ctx["clients"], ctx["products"], ctx["salespeople"]
        plan_clients = ctx["plan"]["clients"]
        vals_list = []
        for spec in specs:
            client = plan_clients[spec["client"]]
            vals_list.append(
                {
                    "partner_id": clients[spec["client"]].id,
                    "company_id": company.id,
                    "user_id": salespeople[client["salesperson"]].id,
                    "team_id": ctx["teams"][client["team"]].id,
                    "pricelist_id": ctx["pricelist"].id,
                    "payment_term_id": ctx["payment_term"].id,
                    "warehouse_id": ctx["warehouse"].id,
                    "date_order": spec["date"],
                    "order_line": [
                        Command.create({"product_id": products[product_index].id, "product_uom_qty": qty})
                        for product_index, qty in spec["lines"]
                    ],
                }
            )
        orders = self.env["sale.order"].create(vals_list)
        by_state = defaultdict(lambda: self.env["sale.order"])
        for order, spec in zip(orders, specs, strict=True):
            by_state[spec["state"]] |= order
        if by_state["sent"]:
            by_state["sent"].action_quotation_sent()
        if by_state["cancel"]:
            by_state["cancel"].with_context(disable_cancel_warning=True).action_cancel()
        confirmed = by_state["sale"]
        if confirmed:
            confirmed.action_confirm()
            confirmed_specs = [spec for spec in specs if spec["state"] == "sale"]
            pickings_done = self.env["stock.picking"]
            for order, spec in zip(confirmed, confirmed_specs, strict=True):
                # action_confirm sets the confirmation date to now: put the order back in its month
                order.date_order = spec["date"]
                pickings_done |= order.picking_ids
            pickings_done.button_validate()
            not_done = pickings_done.filtered(lambda p: p.state != "done")
            if not_done:
                raise UserError(_("Demo deliveries could not be validated: %s", ", ".join(not_done.mapped("name"))))
            picking_dates, move_ids, move_dates = [], [], []
            for order, spec in zip(confirmed, confirmed_specs, strict=True):
                done_dt = datetime.combine(spec["delivered"], datetime.min.time()) + timedelta(hours=12)
                for picking in order.picking_ids:
                    picking.date_done = done_dt
                    picking_dates.append(done_dt)
                    move_ids.extend(picking.move_ids.ids)
                    move_dates.extend([done_dt] * len(picking.move_ids))
            # backdate the stock moves of the deliveries (plain timestamps, one UPDATE per batch)
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE stock_move m SET date = v.d FROM unnest(%s::int[], %s::timestamp[]) AS v(id, d) WHERE m.id = v.id",
                [move_ids, move_dates],
            )
            self.env.cr.execute(
                "UPDATE stock_move_line l SET date = v.d FROM unnest(%s::int[], %s::timestamp[]) AS v(id, d) "
                "WHERE l.move_id = v.id",
                [move_ids, move_dates],
            )
            self.env["stock.move"].invalidate_model(["date"])
            self.env["stock.move.line"].invalidate_model(["date"])
            invoices = confirmed._create_invoices(grouped=True)
            spec_by_order = dict(zip(confirmed.ids, confirmed_specs, strict=True))
            by_invoice_date = defaultdict(lambda: self.env["account.move"])
            for invoice in invoices:
                spec = spec_by_order[invoice.invoice_line_ids.sale_line_ids.order_id[:1].id]
                by_invoice_date[spec["invoiced"]] |= invoice
                ctx["invoice_payments"].append((invoice.id, spec["paid"]))
            for invoice_date, dated in by_invoice_date.items():
                dated.write({"invoice_date": invoice_date})
            invoices.action_post()
            for order, spec in zip(confirmed, confirmed_specs, strict=True):
                ctx["orders_by_client"][spec["client"]].append((spec["date"], order.id))
        # orders keep their planned creation time (plain timestamp, one UPDATE per batch)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE sale_order o SET create_date = v.d FROM unnest(%s::int[], %s::timestamp[]) AS v(id, d) "
            "WHERE o.id = v.id",
            [orders.ids, [spec["date"] for spec in specs]],
        )
        orders.invalidate_recordset(["create_date"])
        ctx["order_ids"].extend(orders.ids)

    def _demo_analyze(self):
        """Refresh PostgreSQL's statistics of the tables growing fast: on a new database the
        planner otherwise keeps the plans of empty tables (seconds per query after a few months)."""
        self.env.flush_all()
        for table in (
            "sale_order",
            "sale_order_line",
            "stock_move",
            "stock_move_line",
            "stock_quant",
            "stock_picking",
            "account_move",
            "account_move_line",
            "account_partial_reconcile",
            "account_payment",
            "crm_lead",
            "res_partner",
        ):
            self.env.cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))

    def _demo_step_payments(self, ctx):
        """Register the payments in date order, one wizard per payment date."""
        by_date = defaultdict(list)
        for invoice_id, paid in ctx.get("invoice_payments", []):
            if paid:
                by_date[paid].append(invoice_id)
        total = sum(len(ids) for ids in by_date.values())
        progress = _Progress("payments", total, "payments")
        batch = ctx["config"]["batch"] * 5
        Register = self.env["account.payment.register"]
        self._demo_analyze()
        for paid in sorted(by_date):
            ids = by_date[paid]
            for start in range(0, len(ids), batch):
                chunk = ids[start : start + batch]
                wizard = Register.with_context(active_model="account.move", active_ids=chunk).create(
                    {"payment_date": paid, "group_payment": False}
                )
                wizard._create_payments()
                progress.advance(len(chunk))
            self._demo_commit()
        progress.advance(0, force=True)

    def _demo_step_channels(self, ctx):
        sources, media = {}, {}
        for key, source_name, medium_name, _weight in LEAD_SOURCES:
            sources[key] = self.env["utm.source"].search([("name", "=", source_name)], limit=1) or self.env[
                "utm.source"
            ].create({"name": source_name})
            media[key] = self.env["utm.medium"].search([("name", "=", medium_name)], limit=1) or self.env[
                "utm.medium"
            ].create({"name": medium_name})
        campaigns = self.env["utm.campaign"].create(
            [{"name": name, "user_id": ctx["marketer"].id} for name in YANDEX_CAMPAIGNS]
        )
        reasons = self.env["crm.lost.reason"]
        for name in LOST_REASONS:
            reasons |= reasons.search([("name", "=", name)], limit=1) or reasons.create({"name": name})
        ctx.update(utm_sources=sources, utm_media=media, utm_campaigns=campaigns, lost_reasons=reasons)

    def _demo_step_leads(self, ctx):
        plan = ctx["plan"]
        specs = plan["leads"]
        teams, salespeople = ctx["teams"], ctx["salespeople"]
        open_stages = self.env["crm.stage"].search([("is_won", "=", False)], order="sequence, id")
        batch = ctx["config"]["batch"] * 2
        progress = _Progress("leads", len(specs), "leads")
        Lead = self.env["crm.lead"]
        used_orders = set()
        for start in range(0, len(specs), batch):
            chunk = specs[start : start + batch]
            vals_list = []
            for spec in chunk:
                client_spec = plan["clients"][spec["client"]] if spec["client"] is not None else None
                if spec["state"] == "pool":
                    team, user = teams[spec["team"]], self.env["res.users"]
                elif client_spec:
                    team, user = teams[client_spec["team"]], salespeople[client_spec["salesperson"]]
                else:
                    user = salespeople[spec["salesperson"]]
                    team = teams.filtered(lambda t, u=user: u in t.member_ids)[:1] or teams[0]
                vals = {
                    "name": spec["name"],
                    "type": "lead" if spec["state"] in ("pool", "assigned") else "opportunity",
                    "company_id": ctx["company"].id,
                    "team_id": team.id,
                    "user_id": user.id,
                    "source_id": ctx["utm_sources"][spec["source"]].id,
                    "medium_id": ctx["utm_media"][spec["source"]].id,
                    "campaign_id": ctx["utm_campaigns"][spec["campaign"]].id if spec["campaign"] is not None else False,
                    "expected_revenue": spec["revenue"],
                }
                if client_spec:
                    vals["partner_id"] = ctx["clients"][spec["client"]].id
                else:
                    vals.update(
                        contact_name=spec["contact_name"],
                        partner_name=spec["partner_name"],
                        phone=spec["phone"],
                        email_from=spec["email"],
                    )
                if vals["type"] == "opportunity" and open_stages:
                    vals["stage_id"] = open_stages[min(int(spec["stage"] * len(open_stages)), len(open_stages) - 1)].id
                vals_list.append(vals)
            leads = Lead.create(vals_list)
            won = leads.browse([lead.id for lead, s in zip(leads, chunk, strict=True) if s["state"] == "won"])
            if won:
                won.action_set_won()
            lost_by_reason = defaultdict(list)
            for lead, spec in zip(leads, chunk, strict=True):
                if spec["state"] == "lost":
                    lost_by_reason[spec["lost_reason"]].append(lead.id)
            for reason_index, ids in lost_by_reason.items():
                Lead.browse(ids).action_set_lost(lost_reason_id=ctx["lost_reasons"][reason_index].id)
            # won deals of known clients: link the client's order placed around the closing date
            links = defaultdict(list)
            for lead, spec in zip(leads, chunk, strict=True):
                if spec["state"] != "won" or spec["client"] is None:
                    continue
                candidates = [
                    (abs((order_dt.date() - spec["closed"]).days), order_id)
                    for order_dt, order_id in ctx.get("orders_by_client", {}).get(spec["client"], [])
                    if order_id not in used_orders
                ]
                if candidates:
                    order_id = min(candidates)[1]
                    used_orders.add(order_id)
                    links[lead.id].append(order_id)
            for lead_id, order_ids in links.items():
                self.env["sale.order"].browse(order_ids).write({"opportunity_id": lead_id})
            # backdate the leads to their planned dates: ORM creation above, then one
            # parameterised UPDATE per batch for the technical dates Odoo sets to "now"
            self.env.flush_all()
            ids, created, opened, closed = [], [], [], []
            for lead, spec in zip(leads, chunk, strict=True):
                ids.append(lead.id)
                created.append(datetime.combine(spec["created"], datetime.min.time()) + timedelta(hours=9))
                opened.append(spec["opened"] if spec["state"] != "pool" else None)
                closed.append(
                    datetime.combine(spec["closed"], datetime.min.time()) + timedelta(hours=17)
                    if spec["closed"]
                    else None
                )
            self.env.cr.execute(
                """
                UPDATE crm_lead l
                   SET create_date = v.created,
                       date_open = CASE WHEN l.user_id IS NULL THEN NULL ELSE v.opened END,
                       date_conversion = CASE WHEN l.type = 'opportunity' THEN v.opened END,
                       date_closed = CASE WHEN l.date_closed IS NULL THEN NULL ELSE v.closed END,
                       date_last_stage_update = COALESCE(v.closed, v.opened, v.created)
                  FROM unnest(%s::int[], %s::timestamp[], %s::timestamp[], %s::timestamp[])
                       AS v(id, created, opened, closed)
                 WHERE l.id = v.id
                """,
                [ids, created, opened, closed],
            )
            leads.invalidate_recordset()
            for fname in ("day_open", "day_close"):
                self.env.add_to_compute(Lead._fields[fname], leads)
            leads.flush_recordset()
            progress.advance(len(chunk))
            self._demo_commit()

    def _demo_step_activities(self, ctx):
        """Today's and overdue activities and meetings of each salesperson, on their open deals."""
        rng = random.Random(f"{ctx['seed']}:activities")
        today = ctx["today"]
        leads = self.env["crm.lead"].search(
            [
                ("company_id", "=", ctx["company"].id),
                ("user_id", "in", ctx["salespeople"].ids),
                ("probability", "<", 100),
            ]
        )
        by_user = defaultdict(list)
        for lead in leads:
            by_user[lead.user_id].append(lead)
        activity_types = [
            self.env.ref(xmlid, raise_if_not_found=False)
            for xmlid in (
                "mail.mail_activity_data_call",
                "mail.mail_activity_data_todo",
                "mail.mail_activity_data_email",
            )
        ]
        activity_types = [t for t in activity_types if t]
        lead_model = self.env["ir.model"]._get_id("crm.lead")
        activity_vals, event_vals = [], []
        for user in ctx["salespeople"]:
            user_leads = by_user.get(user) or []
            if not user_leads:
                continue
            # distinct deals: an activity batch must not subscribe the same follower twice
            offsets = (0, 0, -1, -3, -8, 1, 2, 5)
            for offset, lead in zip(offsets, rng.sample(user_leads, min(len(offsets), len(user_leads))), strict=False):
                activity_vals.append(
                    {
                        "res_model_id": lead_model,
                        "res_id": lead.id,
                        "activity_type_id": rng.choice(activity_types).id,
                        "summary": rng.choice(ACTIVITY_SUMMARIES),
                        "date_deadline": today + timedelta(days=offset),
                        "user_id": user.id,
                    }
                )
            for offset, hour in ((0, 7), (0, 12), (-2, 8), (-9, 11), (3, 9), (6, 13)):
                lead = rng.choice(user_leads)
                start = datetime.combine(today + timedelta(days=offset), datetime.min.time()) + timedelta(hours=hour)
                partners = user.partner_id | (lead.partner_id or self.env["res.partner"])
                event_vals.append(
                    {
                        "name": f"{rng.choice(MEETING_NAMES)}: {lead.partner_id.commercial_partner_id.name or lead.name}",
                        "start": start,
                        "stop": start + timedelta(hours=1),
                        "user_id": user.id,
                        "opportunity_id": lead.id,
                        "res_model_id": lead_model,
                        "res_id": lead.id,
                        "partner_ids": [Command.set(partners.ids)],
                    }
                )
        if activity_vals:
            self.env["mail.activity"].create(activity_vals)
        if event_vals:
            self.env["calendar.event"].create(event_vals)
