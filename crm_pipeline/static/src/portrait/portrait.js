import { Component, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { useRecordObserver } from "@web/model/relational_model/utils";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The client portrait on the company's card: who the client is, what it buys
 * and could buy, how it answers, how much it brings and how it pays, its
 * segment. Loaded from res.partner.get_crm_portrait_data when the page shows
 * and again when the card is reloaded (e.g. after recording a complaint).
 */
export class PartnerPortrait extends Component {
    static template = "crm_pipeline.PartnerPortrait";
    static props = standardWidgetProps;

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ data: null, loading: false });
        this.loadedKey = null;
        useRecordObserver(async (record) => {
            // the complaint counter (when shown) changes when a complaint was recorded from the card
            const key = `${record.resId}:${record.data.crm_complaint_count}`;
            if (key !== this.loadedKey) {
                this.loadedKey = key;
                await this.load(record.resId);
            }
        });
    }

    async load(resId) {
        if (!resId) {
            this.state.data = null;
            return;
        }
        this.state.loading = true;
        this.state.data = await this.orm.call("res.partner", "get_crm_portrait_data", [[resId]]);
        this.state.loading = false;
    }

    get data() {
        return this.state.data;
    }

    money(amount) {
        return formatCurrency(amount || 0, this.data.currency_id);
    }

    date(value) {
        return value ? formatDate(deserializeDate(value)) : "";
    }

    percent(value) {
        return value === false || value === undefined ? "" : `${value}%`;
    }

    get region() {
        const { city, state, country } = this.data.identity;
        return [city, state && state[1], country && country[1]].filter(Boolean).join(", ");
    }

    get sizeBand() {
        const band = this.data.identity.size_band;
        if (!band) {
            return "";
        }
        return _t("%(low)s – %(high)s a year", {
            low: formatCurrency(band[0], this.data.currency_id, { digits: [16, 0] }),
            high: formatCurrency(band[1], this.data.currency_id, { digits: [16, 0] }),
        });
    }

    days(value) {
        return value === false || value === undefined ? "—" : _t("%(days)s days", { days: value });
    }

    get orderInterval() {
        return _t("(every %(days)s days)", { days: this.data.segment.order_interval_days });
    }

    get overdueDetail() {
        const p = this.data.payment;
        return _t("%(count)s invoices, up to %(days)s days", { count: p.overdue_invoice_count, days: p.overdue_days });
    }

    get offersComputedOn() {
        return _t("Purchases of similar clients in the last 12 months, as of %(date)s.", {
            date: this.date(this.data.offers.computed_on),
        });
    }

    get complaintsInAll() {
        return _t("%(count)s in all", { count: this.data.activity.complaint_count });
    }

    get classifiedOn() {
        return _t("classified on %(date)s", { date: this.date(this.data.segment.date) });
    }

    get latePayments() {
        const p = this.data.payment;
        return _t("%(late)s of %(count)s paid late", { late: p.paid_late_count, count: p.paid_invoice_count });
    }

    offerReason(offer) {
        const values = { count: offer.client_count, total: offer.group_client_count, group: offer.group };
        return offer.dimension === "industry"
            ? _t("%(count)s of %(total)s clients of the industry %(group)s", values)
            : _t("%(count)s of %(total)s clients of segment %(group)s", values);
    }

    async open(kind) {
        if (!(await this.props.record.save())) {
            return;
        }
        const clientId = this.data.client_id;
        if (kind === "complaints") {
            const action = await this.orm.call("res.partner", "action_crm_complaint_view", [[clientId]]);
            return this.action.doAction(action);
        }
        const actions = {
            orders: {
                name: _t("Sales Orders"),
                res_model: "sale.order",
                domain: [
                    ["partner_id", "child_of", clientId],
                    ["state", "=", "sale"],
                    ["company_id", "=", this.data.company_id],
                ],
            },
            deals: {
                name: _t("Open Deals"),
                res_model: "crm.lead",
                domain: [
                    ["partner_id", "child_of", clientId],
                    ["type", "=", "opportunity"],
                    ["stage_id.is_won", "=", false],
                ],
            },
            overdue: {
                name: _t("Overdue Invoices"),
                res_model: "account.move",
                domain: [
                    ["commercial_partner_id", "=", clientId],
                    ["move_type", "=", "out_invoice"],
                    ["state", "=", "posted"],
                    ["payment_state", "in", ["not_paid", "partial"]],
                    ["invoice_date_due", "<", this.data.today],
                    ["company_id", "=", this.data.company_id],
                ],
            },
        };
        return this.action.doAction({
            type: "ir.actions.act_window",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            target: "current",
            ...actions[kind],
        });
    }
}

export const partnerPortrait = {
    component: PartnerPortrait,
};

registry.category("view_widgets").add("crm_pipeline_partner_portrait", partnerPortrait);
