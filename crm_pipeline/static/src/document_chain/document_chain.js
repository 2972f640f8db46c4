import { Component, onWillStart, onWillUpdateProps, useState } from "@odoo/owl";
import { formatCurrency } from "@web/core/currency";
import { _t } from "@web/core/l10n/translation";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

const ICONS = {
    "crm.lead": "fa-handshake-o",
    "sale.order": "fa-file-text-o",
    "stock.picking": "fa-truck",
    "account.move": "fa-file-o",
    "account.payment": "fa-money",
};

function formatAmount(amount, currencyId) {
    return currencyId ? formatCurrency(amount, currencyId) : "";
}

/**
 * One document of the chain and, below it, the documents that follow from it.
 */
export class DocumentChainNode extends Component {
    static template = "crm_pipeline.DocumentChainNode";
    static props = {
        node: Object,
        openRecord: Function,
    };

    get icon() {
        return ICONS[this.props.node.model] || "fa-file-o";
    }

    get amount() {
        const { amount, currency_id } = this.props.node;
        return amount === false ? "" : formatAmount(amount, currency_id);
    }

    get date() {
        return this.props.node.date ? formatDate(deserializeDate(this.props.node.date)) : "";
    }

    onClick() {
        this.props.openRecord(this.props.node);
    }
}
DocumentChainNode.components = { DocumentChainNode };

/**
 * The chain of documents of a deal, from its quotations to the payments of
 * its invoices, as the current user may see it. Loaded when the page showing
 * it opens (crm.lead.get_crm_pipeline_document_chain).
 */
export class DocumentChain extends Component {
    static template = "crm_pipeline.DocumentChain";
    static components = { DocumentChainNode };
    static props = standardWidgetProps;

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        this.state = useState({ chain: null });
        onWillStart(() => this.load(this.props.record.resId));
        onWillUpdateProps((nextProps) => {
            if (nextProps.record.resId !== this.props.record.resId) {
                return this.load(nextProps.record.resId);
            }
        });
    }

    async load(resId) {
        if (!resId) {
            this.state.chain = null;
            return;
        }
        const [chain] = await this.orm.call("crm.lead", "get_crm_pipeline_document_chain", [[resId]]);
        this.state.chain = chain;
    }

    get levels() {
        return this.state.chain.levels.map((level) => ({
            ...level,
            amountText: level.amounts.map((a) => formatAmount(a.amount, a.currency_id)).join(" + "),
            restrictedText: level.restricted
                ? _t("%(count)s not accessible", { count: level.restricted })
                : "",
        }));
    }

    get isEmpty() {
        return !this.state.chain.children.length;
    }

    async openRecord(node) {
        if (!node.accessible || !node.id) {
            return;
        }
        // leave the deal the way the form does: its changes saved first
        if (!(await this.props.record.save())) {
            return;
        }
        await this.action.doAction({
            type: "ir.actions.act_window",
            res_model: node.model,
            res_id: node.id,
            views: [[false, "form"]],
            target: "current",
        });
    }
}

export const documentChain = {
    component: DocumentChain,
};

registry.category("view_widgets").add("crm_pipeline_document_chain", documentChain);
