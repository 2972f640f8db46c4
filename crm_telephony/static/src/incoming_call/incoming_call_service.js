import { reactive } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { IncomingCallContainer } from "./incoming_call_popup";

// A manager rarely has more than one call ringing; keep the newest few only.
const MAX_POPUPS = 3;

/**
 * Shows the incoming-call popup when the server announces a ringing call
 * ("crm_telephony/incoming_call" on the user's partner channel, payload built by
 * crm.call._crm_popup_payload()). A second notification of the same call
 * (e.g. the client was identified meanwhile) replaces its popup.
 */
export const incomingCallService = {
    dependencies: ["bus_service"],

    start(env, { bus_service: busService }) {
        const state = reactive({ calls: [] });

        function show(payload) {
            const index = state.calls.findIndex((call) => call.call_id === payload.call_id);
            if (index >= 0) {
                state.calls.splice(index, 1, payload);
            } else {
                state.calls.push(payload);
                if (state.calls.length > MAX_POPUPS) {
                    state.calls.splice(0, state.calls.length - MAX_POPUPS);
                }
            }
        }

        function dismiss(callId) {
            const index = state.calls.findIndex((call) => call.call_id === callId);
            if (index >= 0) {
                state.calls.splice(index, 1);
            }
        }

        registry.category("main_components").add("crm_telephony.IncomingCallContainer", {
            Component: IncomingCallContainer,
            props: { state, dismiss },
        });

        busService.subscribe("crm_telephony/incoming_call", show);
        busService.start();
        return { state, show, dismiss };
    },
};

registry.category("services").add("crm_telephony.incoming_call", incomingCallService);
