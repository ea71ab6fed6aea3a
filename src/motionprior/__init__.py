"""motionprior: train vision-language-action robot policies that learn motion before action."""

from motionprior.errors import MotionpriorError

__version__ = "0.1.0"
__all__ = ["MotionpriorError", "__version__"]
