import { Component, onMounted, onWillUpdateProps, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime, formatDate, formatDateTime } from "@web/core/l10n/dates";
import { useService } from "@web/core/utils/hooks";
import { formatMonetary } from "@web/views/fields/formatters";

/**
 * One ringing call: who calls (client card, responsible manager), their open
 * deals and last interactions, and what the manager can do right away.
 */
export class IncomingCallPopup extends Component {
    static template = "crm_telephony.IncomingCallPopup";
    static props = {
        call: Object,
        dismiss: Function,
    };

    setup() {
        this.action = useService("action");
        this.orm = useService("orm");
        this.notification = useService("notification");
        // The client's last interactions are asked for once the popup shows (the bus message
        // carries what the server knows at once; a timeline costs more to read).
        this.interactions = useState({ entries: [], clientId: false });
        onMounted(() => this.loadInteractions(this.props.call));
        onWillUpdateProps((nextProps) => {
            if (this.clientOf(nextProps.call) !== this.interactions.clientId) {
                this.loadInteractions(nextProps.call);
            }
        });
    }

    clientOf(call) {
        return (call.client && call.client.id) || (call.partner && call.partner.id) || false;
    }

    async loadInteractions(call) {
        const clientId = this.clientOf(call);
        this.interactions.clientId = clientId;
        if (!clientId) {
            this.interactions.entries = [];
            return;
        }
        let entries = [];
        try {
            entries = await this.orm.silent.call("crm.call", "get_crm_popup_interactions", [[call.call_id]]);
        } catch {
            // the popup still tells who calls; its history is a bonus (the call may be gone)
        }
        if (this.interactions.clientId === clientId) {
            this.interactions.entries = entries;
        }
    }

    get call() {
        return this.props.call;
    }

    get labels() {
        return { deals: _t("Open deals"), leads: _t("Leads of this number") };
    }

    get title() {
        return this.call.known ? _t("Incoming call") : _t("Incoming call from an unknown number");
    }

    formatAmount(deal) {
        return formatMonetary(deal.amount, { currencyId: deal.currency_id });
    }

    formatEntryDate(entry) {
        if (!entry.date) {
            return "";
        }
        // Dates (not datetimes) come as midnight UTC: show them as they are.
        return entry.date_only
            ? formatDate(deserializeDateTime(entry.date, { tz: "utc" }))
            : formatDateTime(deserializeDateTime(entry.date));
    }

    openRecord(resModel, resId) {
        return this.action.doAction({
            type: "ir.actions.act_window",
            res_model: resModel,
            res_id: resId,
            views: [[false, "form"]],
            target: "current",
        });
    }

    onOpenClient() {
        const client = this.call.client || this.call.partner;
        return this.openRecord("res.partner", client.id);
    }

    onOpenDeal(deal) {
        return this.openRecord("crm.lead", deal.id);
    }

    onOpenInteraction(entry) {
        if (entry.res_model && entry.res_id) {
            return this.openRecord(entry.res_model, entry.res_id);
        }
    }

    async onCreateLead() {
        const action = await this.orm.call("crm.call", "action_crm_popup_create_lead", [[this.call.call_id]]);
        this.props.dismiss(this.call.call_id);
        if (action) {
            await this.action.doAction(action);
        }
    }

    onDismiss() {
        this.props.dismiss(this.call.call_id);
    }
}

export class IncomingCallContainer extends Component {
    static template = "crm_telephony.IncomingCallContainer";
    static components = { IncomingCallPopup };
    static props = {
        state: Object,
        dismiss: Function,
    };
}
