import { reactive } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";

/**
 * Click-to-call through the company PBX. Whether the user has an extension is
 * asked once, the first time a phone field is shown; the PBX is asked to ring
 * the user's extension and connect it to the number.
 */
export const clickToCallService = {
    dependencies: ["orm", "notification"],

    start(env, { orm, notification }) {
        const state = reactive({ available: false });
        let loading = null;

        function load() {
            if (!loading) {
                loading = orm
                    .call("crm.call", "crm_click_to_call_available", [])
                    .then((available) => {
                        state.available = Boolean(available);
                    })
                    .catch(() => {
                        state.available = false;
                    });
            }
            return loading;
        }

        function fail(message) {
            notification.add(message, {
                title: _t("The call could not be made"),
                type: "danger",
                sticky: true,
            });
        }

        async function call(number, resModel, resId) {
            let result;
            try {
                result = await orm.call("crm.call", "action_click_to_call", [number], {
                    res_model: resModel || false,
                    res_id: resId || false,
                });
            } catch (error) {
                fail(error.data?.message || error.message || String(error));
                return false;
            }
            if (!result.ok) {
                fail(result.message);
                return result;
            }
            notification.add(_t("Your phone rings: pick it up to call %s.", result.number), {
                title: _t("Calling through the PBX"),
                type: "info",
            });
            return result;
        }

        return { state, load, call };
    },
};

registry.category("services").add("crm_telephony.click_to_call", clickToCallService);
