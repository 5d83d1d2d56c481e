from . import account_dunning_send
