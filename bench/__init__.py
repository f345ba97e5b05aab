"""The end-to-end benchmark (`make bench`): see README, "Benchmark"."""
import warnings

# nameko imports eventlet, which announces its deprecation on every start; the services' own notes cover it.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
