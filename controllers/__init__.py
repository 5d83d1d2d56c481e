from . import pay
