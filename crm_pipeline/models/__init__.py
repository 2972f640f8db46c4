from . import crm_demo_generator
