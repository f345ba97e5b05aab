"""Suite-wide settings. Unit tests need nothing running; integration tests bring their own system."""
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
