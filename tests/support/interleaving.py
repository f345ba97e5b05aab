"""Two transactions interleaved on purpose: the first pauses at a chosen point while the second runs."""
import threading


class Interleaving:
    """`first` calls `pause()` where the race matters; `second` then runs in its own thread.

    The pause ends when the second has finished, or after `wait` seconds when the second is
    (rightly) waiting for a lock the first holds; either way both then run to the end.
    """

    def __init__(self, wait=1.5):
        self.wait = wait
        self._paused, self._second_done = threading.Event(), threading.Event()
        self.second_ran_during_pause = None   # False: the second waited for the first (a lock)

    def pause(self):
        self._paused.set()
        self.second_ran_during_pause = self._second_done.wait(timeout=self.wait)

    def run(self, first, second):
        """Run both; returns the exceptions they raised (none for a race handled right)."""
        errors = []

        def guarded(target, then=lambda: None):
            def run():
                try:
                    target()
                except Exception as error:
                    errors.append(error)
                then()
            return threading.Thread(target=run)
        one, two = guarded(first), guarded(second, then=self._second_done.set)
        one.start()
        if not self._paused.wait(timeout=30):
            one.join(timeout=60)
            raise AssertionError(f"the first transaction never reached its pause (errors: {errors})")
        two.start()
        one.join(timeout=60)
        two.join(timeout=60)
        assert not one.is_alive() and not two.is_alive(), "a transaction is still waiting after a minute"
        return errors
