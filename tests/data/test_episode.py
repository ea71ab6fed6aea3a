import numpy as np
import pytest

from motionprior.data import EmbodimentSpec, Episode, VectorSpec, get_embodiment
from motionprior.errors import ConfigError, DataError, UnknownNameError


def _kwargs(**over):
    base = dict(
        actions=np.zeros((5, 7), np.float32),
        state=np.zeros((5, 7), np.float32),
        instruction="open the drawer",
        embodiment="widowx_bridge",
        fps=5.0,
        images={"cam": np.zeros((5, 4, 4, 3), np.uint8)},
    )
    base.update(over)
    return base


def test_valid_episode_keeps_arrays_and_casts_to_float32():
    ep = Episode(**_kwargs(actions=np.ones((5, 7), np.float64)))
    assert len(ep) == 5 and ep.actions.dtype == np.float32 and ep.cameras == ["cam"]
    assert ep.spec.name == "widowx_bridge"


@pytest.mark.parametrize(
    "over, message",
    [
        (dict(actions=np.full((5, 7), np.nan, np.float32)), "actions contains NaN or inf"),
        (dict(state=np.full((5, 7), np.inf, np.float32)), "state contains NaN or inf"),
        (dict(state=np.zeros((4, 7), np.float32)), "length mismatch: actions has 5 steps, state 4"),
        (dict(actions=np.zeros((0, 7), np.float32), state=np.zeros((0, 7), np.float32),
              images={}), "episode is empty"),
        (dict(fps=0), "fps must be a positive number"),
        (dict(fps=-3.0), "fps must be a positive number"),
        (dict(actions=np.zeros((5, 7), np.int64)), "actions must be a float array"),
        (dict(actions=np.zeros((5, 6), np.float32)), "actions have 6 dims but embodiment"),
        (dict(actions=np.zeros(5, np.float32)), r"actions must be 2-d \[T, dims\]"),
        (dict(images={"cam": np.zeros((5, 4, 4, 3), np.float32)}), "must be a uint8 array"),
        (dict(images={"cam": np.zeros((5, 4, 4), np.uint8)}), r"shape \[T, H, W, 3\]"),
        (dict(images={"cam": np.zeros((4, 4, 4, 3), np.uint8)}), "has 4 frames but the episode"),
        (dict(motion=("stop",) * 4), "motion must be 5 strings"),
    ],
)
def test_bad_episode_is_rejected_with_a_clear_message(over, message):
    with pytest.raises(DataError, match=message):
        Episode(**_kwargs(**over))


def test_unknown_embodiment_lists_known_ones():
    message = "unknown embodiment 'hal9000'; known: .*widowx_bridge"
    with pytest.raises(UnknownNameError, match=message):
        Episode(**_kwargs(embodiment="hal9000"))


def test_vector_spec_maps_raw_axes_to_canonical_frame():
    # A simulator whose raw +y points right and whose units are cm.
    vec = VectorSpec(names=("a", "b", "c", "g"), translation=(1, 0, 2),
                     translation_sign=(1, -1, 1), translation_unit="cm", gripper=3,
                     gripper_closed=1.0, gripper_open=-1.0)
    x = np.array([[10.0, 20.0, 30.0, -1.0], [0.0, 0.0, 0.0, 1.0]])
    np.testing.assert_allclose(vec.canonical_translation(x), [[0.2, -0.1, 0.3], [0, 0, 0]])
    np.testing.assert_allclose(vec.gripper_opening(x), [1.0, 0.0])
    assert vec.canonical_rotation(x) is None


def test_bridge_spec_rotation_and_gripper():
    spec = get_embodiment("widowx_bridge")
    x = np.array([[0, 0, 0, 0.1, 0.2, 0.3, 1.0]])
    np.testing.assert_allclose(spec.state.canonical_rotation(x), [[0.1, 0.2, 0.3]])
    assert spec.state.gripper_opening(x)[0] == 1.0


def test_spec_round_trips_through_dict_and_rejects_bad_specs():
    spec = get_embodiment("widowx_bridge")
    assert EmbodimentSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ConfigError, match="fps must be > 0"):
        EmbodimentSpec(name="x", robot="r", fps=0, action=spec.action, state=spec.state)
    with pytest.raises(ConfigError, match="index 9 out of range"):
        VectorSpec(names=("a", "b"), gripper=9)
    with pytest.raises(ConfigError, match="mapped twice"):
        VectorSpec(names=("a", "b", "c"), translation=(0, 1, 1))
