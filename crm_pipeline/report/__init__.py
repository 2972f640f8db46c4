from . import crm_portrait_offer_stat
