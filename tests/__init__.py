from . import test_install
from . import test_engine
from . import test_scope
from . import test_send_wizard
from . import test_tours
