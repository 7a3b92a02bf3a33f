"""Per-customer vocabulary: the customer's own billers as dynamic entities of the BILLER_NAME slot type.

A skill that spans several billers cannot list every biller in its static model; after this directive Alexa
resolves "pay Aqua Pura" to the biller's id for this customer's session.
https://developer.amazon.com/en-US/docs/alexa/custom-skills/use-dynamic-entities-for-customized-interactions.html
"""

from __future__ import annotations

from ask_sdk_model.dialog import DynamicEntitiesDirective
from ask_sdk_model.er.dynamic import Entity, EntityListItem, EntityValueAndSynonyms, UpdateBehavior

from ..services.billing.bills import BillerName

# Alexa accepts at most 100 values per slot type in a dynamic-entities update.
MAX_VALUES = 100


def biller_entities(billers: list[BillerName]) -> DynamicEntitiesDirective:
    values = [
        Entity(id=b.slug, name=EntityValueAndSynonyms(value=b.spoken_name, synonyms=list(b.synonyms)))
        for b in billers[:MAX_VALUES]
    ]
    return DynamicEntitiesDirective(
        update_behavior=UpdateBehavior.REPLACE, types=[EntityListItem(name="BILLER_NAME", values=values)]
    )
