import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { deserializeDate, deserializeDateTime, formatDate, formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const PAGE_SIZE = 20;

/**
 * The interaction timeline of a client (res.partner form) or a deal (crm.lead form): newest first,
 * paged with "Load more", filtered by kind with chips. Served by crm.timeline.get_timeline, which
 * only returns what the current user may read.
 */
export class CrmTimeline extends Component {
    static template = "crm_pipeline.CrmTimeline";
    static props = standardWidgetProps;

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({
            loading: true,
            kinds: [],
            selected: [],
            entries: [],
            hasMore: false,
        });
        onWillStart(() => this.load(this.props.record, { reset: true }));
        onWillUpdateProps((nextProps) => {
            if (nextProps.record.resId !== this.props.record.resId) {
                this.state.selected = [];
                return this.load(nextProps.record, { reset: true });
            }
        });
    }

    scopeOf(record) {
        return record.resModel === "crm.lead" ? { lead_id: record.resId } : { partner_id: record.resId };
    }

    async load(record, { reset }) {
        if (!record.resId) {
            Object.assign(this.state, { loading: false, kinds: [], entries: [], hasMore: false });
            return;
        }
        this.state.loading = true;
        const offset = reset ? 0 : this.state.entries.length;
        const result = await this.orm.call("crm.timeline", "get_timeline", [], {
            ...this.scopeOf(record),
            kinds: this.state.selected.length ? [...this.state.selected] : null,
            offset,
            limit: PAGE_SIZE,
        });
        const entries = result.entries.map((entry) => ({ ...entry, when: this.formatWhen(entry) }));
        this.state.kinds = result.kinds;
        this.state.entries = reset ? entries : [...this.state.entries, ...entries];
        this.state.hasMore = result.has_more;
        this.state.loading = false;
    }

    formatWhen(entry) {
        return entry.date_only
            ? formatDate(deserializeDate(entry.date.slice(0, 10)))
            : formatDateTime(deserializeDateTime(entry.date));
    }

    isSelected(kind) {
        return this.state.selected.includes(kind);
    }

    async toggleKind(kind) {
        const selected = this.state.selected;
        this.state.selected = selected.includes(kind) ? selected.filter((k) => k !== kind) : [...selected, kind];
        await this.load(this.props.record, { reset: true });
    }

    async showAll() {
        this.state.selected = [];
        await this.load(this.props.record, { reset: true });
    }

    async loadMore() {
        await this.load(this.props.record, { reset: false });
    }

    async leaveForm() {
        // leave the form the way the form does: its changes saved first
        return this.props.record.save();
    }

    async openEntry(entry) {
        if (!(await this.leaveForm())) {
            return;
        }
        await this.action.doAction({
            type: "ir.actions.act_window",
            res_model: entry.res_model,
            res_id: entry.res_id,
            views: [[false, "form"]],
            target: "current",
        });
    }

    async openList() {
        if (!(await this.leaveForm())) {
            return;
        }
        const { resModel, resId } = this.props.record;
        const action = await this.orm.call(resModel, "action_crm_timeline", [[resId]]);
        await this.action.doAction(action);
    }
}

export const crmTimeline = {
    component: CrmTimeline,
};

registry.category("view_widgets").add("crm_timeline", crmTimeline);
