import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { patch } from "@web/core/utils/patch";
import { PhoneField } from "@web/views/fields/phone/phone_field";

/**
 * "Call through the PBX" next to a phone number, for users with an extension.
 */
export class ClickToCallButton extends Component {
    static template = "crm_telephony.ClickToCallButton";
    static props = ["*"];

    setup() {
        this.clickToCall = useService("crm_telephony.click_to_call");
        this.state = useState(this.clickToCall.state);
        this.calling = useState({ value: false });
        this.title = _t("Call through the PBX");
        this.clickToCall.load();
    }

    get number() {
        return this.props.record.data[this.props.name] || "";
    }

    async onClick() {
        if (this.calling.value) {
            return;
        }
        this.calling.value = true;
        try {
            await this.clickToCall.call(this.number, this.props.record.resModel, this.props.record.resId);
        } finally {
            this.calling.value = false;
        }
    }
}

patch(PhoneField, {
    components: {
        ...PhoneField.components,
        ClickToCallButton,
    },
});
