"""The intents the conversation understands and their slots: the contract between grammar, models and handlers.

The same in every language; the grammar files say how each intent is phrased, the slot types' values live in
the ``<language>.types`` files. Order here is the order of the generated interaction models.
"""

from __future__ import annotations

_BILL = {"billType": "BILL_TYPE", "biller": "BILLER_NAME"}
_BILL_OR_ORDINAL = {**_BILL, "ordinal": "ORDINAL"}

INTENT_SLOTS: dict[str, dict[str, str]] = {
    "ListBillsIntent": {**_BILL, "billStatus": "BILL_STATUS"},
    "BillDetailsIntent": _BILL_OR_ORDINAL,
    "PayBillIntent": {
        **_BILL_OR_ORDINAL,
        "amount": "AMAZON.NUMBER",
        "cents": "AMAZON.NUMBER",
        "amountKind": "AMOUNT_KIND",
        "method": "PAYMENT_METHOD",
    },
    "SendLinkIntent": {**_BILL_OR_ORDINAL, "channel": "CONTACT_CHANNEL"},
    "PaymentStatusIntent": {},
    "PaymentHistoryIntent": {},
    "VoicePinIntent": {"pin": "AMAZON.FOUR_DIGIT_NUMBER"},
    "TotalOwedIntent": {"biller": "BILLER_NAME"},
    "NextDueIntent": _BILL,
    "AmountLeftIntent": _BILL_OR_ORDINAL,
    "LatestInvoiceIntent": {**_BILL, "channel": "CONTACT_CHANNEL"},
    "ReminderIntent": _BILL,
    "OverpaidIntent": _BILL,
    "UnderpaidIntent": _BILL,
    "WhyHigherIntent": _BILL,
    "ContactIntent": {"biller": "BILLER_NAME"},
    "DisputeIntent": _BILL,
    "PaymentPlanIntent": _BILL,
    **{
        f"AMAZON.{name}Intent": {}
        for name in (
            "Yes",
            "No",
            "Help",
            "Stop",
            "Cancel",
            "Fallback",
            "NavigateHome",
            "More",
            "Repeat",
            "StartOver",
        )
    },
}

# Custom slot types in the order the models list them.
SLOT_TYPES = (
    "BILL_TYPE",
    "BILLER_NAME",
    "ORDINAL",
    "BILL_STATUS",
    "PAYMENT_METHOD",
    "CONTACT_CHANNEL",
    "AMOUNT_KIND",
)

# Slots that Alexa elicits with a dialog (the answer may then be the bare value).
ELICITED_SLOTS = (("VoicePinIntent", "pin"),)
