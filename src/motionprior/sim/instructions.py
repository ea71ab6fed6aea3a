"""Natural-language instructions: several paraphrases per task.

Keys are simulator task names: Meta-World v3 names without the `-v3` suffix, robosuite task
classes. An episode's paraphrase is picked from its seed (`pick_instruction`), so demo i of a
pair always carries the same sentence and the paraphrases are spread evenly over the demos.
"""

from __future__ import annotations

from motionprior.errors import UnknownNameError

METAWORLD: dict[str, tuple[str, ...]] = {
    "assembly": ("put the ring on the peg", "assemble the ring onto the peg",
                 "pick up the ring and slide it over the peg"),
    "basketball": ("dunk the ball into the basket", "put the ball in the hoop",
                   "pick up the ball and drop it through the basket"),
    "bin-picking": ("move the cube from one bin to the other", "pick the cube out of the bin "
                    "and put it in the other bin", "transfer the block to the second bin"),
    "box-close": ("put the lid on the box", "close the box with its lid",
                  "pick up the lid and place it on the box"),
    "button-press-topdown": ("press the button from the top", "push the button down",
                             "press down on the red button", "push the button from above"),
    "button-press-topdown-wall": ("press the button from the top behind the wall",
                                  "reach over the wall and push the button down",
                                  "push down the button behind the wall"),
    "button-press": ("press the button", "push the button forward",
                     "push in the button on the box"),
    "button-press-wall": ("press the button behind the wall", "reach past the wall and push "
                          "the button", "push the button that is behind the wall"),
    "coffee-button": ("press the button on the coffee machine", "push the coffee machine "
                      "button", "start the coffee machine"),
    "coffee-pull": ("pull the mug away from the coffee machine", "take the mug out of the "
                    "coffee machine", "slide the cup out from under the machine"),
    "coffee-push": ("push the mug under the coffee machine", "slide the cup into the coffee "
                    "machine", "move the mug under the spout"),
    "dial-turn": ("turn the dial", "rotate the dial", "spin the knob around"),
    "disassemble": ("take the ring off the peg", "pull the ring up and off the peg",
                    "remove the ring from the peg"),
    "door-close": ("close the door", "push the door shut", "swing the door closed"),
    "door-lock": ("lock the door", "turn the lock down to lock the door",
                  "rotate the door lock to lock it"),
    "door-open": ("open the door", "pull the door open", "swing the door open by its handle",
                  "grab the handle and open the door"),
    "door-unlock": ("unlock the door", "turn the lock to unlock the door",
                    "rotate the door lock to open it"),
    "hand-insert": ("put the block into the hole", "insert the cube into the hole",
                    "push the block down into the hole in the table"),
    "drawer-close": ("close the drawer", "push the drawer shut", "slide the drawer closed",
                     "push the drawer in"),
    "drawer-open": ("open the drawer", "pull the drawer open", "slide the drawer out",
                    "grab the handle and pull out the drawer"),
    "faucet-open": ("open the faucet", "turn the faucet on", "rotate the tap handle to open"),
    "faucet-close": ("close the faucet", "turn the faucet off", "rotate the tap handle to close"),
    "hammer": ("hammer the nail in", "pick up the hammer and drive the nail",
               "use the hammer to knock the nail into the wall"),
    "handle-press-side": ("press the handle down from the side", "push the side handle down",
                          "press down the handle on the side"),
    "handle-press": ("press the handle down", "push the handle down",
                     "press down on the handle"),
    "handle-pull-side": ("pull the handle up from the side", "lift the side handle up",
                         "raise the handle on the side"),
    "handle-pull": ("pull the handle up", "lift the handle", "raise the handle up"),
    "lever-pull": ("pull the lever up", "lift the lever", "rotate the lever upward"),
    "pick-place-wall": ("pick up the puck and place it behind the wall", "move the puck over "
                        "the wall to the goal", "lift the puck across the wall to the target"),
    "pick-out-of-hole": ("pick the peg out of the hole", "pull the peg up out of the hole",
                         "lift the peg from the hole to the goal"),
    "pick-place": ("pick up the puck and place it at the goal", "put the red puck at the target",
                   "grasp the puck and move it to the goal position",
                   "lift the puck and bring it to the target"),
    "plate-slide": ("slide the plate into the goal", "push the plate forward into the net",
                    "slide the plate to the target"),
    "plate-slide-side": ("slide the plate sideways into the goal", "push the plate to the side "
                         "into the net", "slide the plate sideways to the target"),
    "plate-slide-back": ("slide the plate back out of the goal", "pull the plate back",
                         "slide the plate back toward the robot"),
    "plate-slide-back-side": ("slide the plate back out of the side goal", "pull the plate "
                              "back sideways", "slide the plate back from the side net"),
    "peg-insert-side": ("insert the peg into the side hole", "push the peg sideways into the "
                        "hole", "pick up the peg and insert it into the box"),
    "peg-unplug-side": ("unplug the peg from the side", "pull the peg out sideways",
                        "remove the peg from the side hole"),
    "soccer": ("kick the ball into the goal", "push the soccer ball into the net",
               "score a goal with the ball"),
    "stick-push": ("push the thermos with the stick", "use the stick to push the bottle",
                   "grab the stick and push the thermos to the goal"),
    "stick-pull": ("pull the thermos with the stick", "use the stick to pull the bottle",
                   "grab the stick and pull the thermos to the goal"),
    "push": ("push the puck to the goal", "slide the red puck to the target",
             "push the puck across the table to the goal", "shove the puck to the target"),
    "push-wall": ("push the puck around the wall to the goal", "slide the puck past the wall",
                  "push the puck behind the wall"),
    "push-back": ("push the puck back", "slide the puck back toward the robot",
                  "pull the puck back to the goal"),
    "reach": ("reach the goal", "move the gripper to the target", "reach toward the red point",
              "touch the goal position with the gripper"),
    "reach-wall": ("reach the goal behind the wall", "reach over the wall to the target",
                   "move the gripper past the wall to the goal"),
    "shelf-place": ("place the block on the shelf", "put the cube on the shelf",
                    "pick up the block and set it on the shelf"),
    "sweep-into": ("sweep the puck into the hole", "push the puck into the hole",
                   "slide the block into the hole"),
    "sweep": ("sweep the puck off the table", "push the puck off the edge of the table",
              "sweep the block off the table"),
    "window-open": ("open the window", "slide the window open", "push the window open sideways",
                    "slide the window to open it"),
    "window-close": ("close the window", "slide the window shut", "push the window closed"),
}

ROBOSUITE: dict[str, tuple[str, ...]] = {
    "Lift": ("pick up the red cube", "lift the cube off the table", "grasp the red block and "
             "raise it", "lift the red cube", "pick the cube up from the table"),
    "Stack": ("stack the red cube on the green cube", "put the red block on top of the green "
              "block", "place the red cube onto the green one", "pick up the red cube and "
              "stack it on the green cube"),
}


def instructions_for(simulator: str, task: str) -> tuple[str, ...]:
    """Paraphrases of `task` (Meta-World names may keep their `-v3` suffix)."""
    table = METAWORLD if simulator == "metaworld" else ROBOSUITE
    key = task.removesuffix("-v3") if simulator == "metaworld" else task
    if key not in table:
        raise UnknownNameError(f"{simulator} task", task, list(table))
    return table[key]


def pick_instruction(paraphrases: tuple[str, ...], seed: int) -> str:
    """The paraphrase of the episode with this seed (round robin over seeds)."""
    return paraphrases[seed % len(paraphrases)]
