"""Episodes, embodiment specs, statistics, dataset formats and training windows."""

from motionprior.data.embodiment import EmbodimentSpec, VectorSpec
from motionprior.data.embodiments import get_embodiment, known_embodiments, register_embodiment
from motionprior.data.episode import Episode

__all__ = [
    "EmbodimentSpec",
    "VectorSpec",
    "Episode",
    "get_embodiment",
    "known_embodiments",
    "register_embodiment",
]
