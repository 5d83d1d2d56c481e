from . import test_install
from . import test_engine
from . import test_scope
from . import test_send_wizard
from . import test_tours
from . import test_fees
from . import test_list_actions
from . import test_cockpit
