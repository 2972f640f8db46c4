import { registry } from "@web/core/registry";
import { ListController } from "@web/views/list/list_controller";
import { listView } from "@web/views/list/list_view";

/**
 * The timeline as a list: a row opens the entry's document, not the entry.
 */
export class CrmTimelineListController extends ListController {
    async openRecord(record) {
        const { res_model, res_id } = record.data;
        if (!res_model || !res_id) {
            return;
        }
        await this.actionService.doAction({
            type: "ir.actions.act_window",
            res_model,
            res_id,
            views: [[false, "form"]],
            target: "current",
        });
    }
}

export const crmTimelineListView = {
    ...listView,
    Controller: CrmTimelineListController,
};

registry.category("views").add("crm_timeline_list", crmTimelineListView);
