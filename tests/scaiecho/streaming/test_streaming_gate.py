"""The shared transcription gate: bounded slots, finals before partials, clean cancellation."""

from __future__ import annotations

import asyncio

import pytest
from scaiecho.streaming.gate import TranscriptionGate


def test_finals_are_served_before_waiting_partials() -> None:
    async def scenario() -> list[str]:
        gate = TranscriptionGate(1)
        order: list[str] = []
        await gate.acquire(final=False)  # the slot is busy

        async def job(name: str, final: bool) -> None:
            async with gate.slot(final=final):
                order.append(name)
                await asyncio.sleep(0)

        tasks = [asyncio.create_task(job("p1", False)), asyncio.create_task(job("p2", False))]
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(job("f1", True)))
        await asyncio.sleep(0)
        gate.release()
        await asyncio.gather(*tasks)
        assert gate.in_use == 0
        return order

    assert asyncio.run(scenario()) == ["f1", "p1", "p2"]


def test_slots_bound_concurrency() -> None:
    async def scenario() -> int:
        gate = TranscriptionGate(2)
        running = peak = 0

        async def job() -> None:
            nonlocal running, peak
            async with gate.slot(final=True):
                running += 1
                peak = max(peak, running)
                await asyncio.sleep(0.001)
                running -= 1

        await asyncio.gather(*(job() for _ in range(10)))
        return peak

    assert asyncio.run(scenario()) == 2


def test_cancelled_waiter_gives_up_its_place() -> None:
    async def scenario() -> None:
        gate = TranscriptionGate(1)
        await gate.acquire(final=True)
        waiter = asyncio.create_task(gate.acquire(final=False))
        await asyncio.sleep(0)
        assert gate.waiting == 1
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert gate.waiting == 0
        gate.release()
        assert gate.in_use == 0
        await asyncio.wait_for(gate.acquire(final=False), 1)  # the slot is free again

    asyncio.run(scenario())


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError):
        TranscriptionGate(0)


def test_try_acquire_never_queues_and_yields_to_waiters() -> None:
    async def scenario() -> None:
        gate = TranscriptionGate(1)
        assert gate.try_acquire()
        assert not gate.try_acquire()  # full: the caller drops its partial
        final = asyncio.create_task(gate.acquire(final=True))
        await asyncio.sleep(0)
        gate.release()  # handed to the waiting final, not freed
        await final
        assert gate.in_use == 1 and not gate.try_acquire()
        gate.release()
        assert gate.in_use == 0 and gate.try_acquire()

    asyncio.run(scenario())


def test_partials_leave_the_last_slot_to_finals() -> None:
    async def scenario() -> None:
        gate = TranscriptionGate(3)
        assert gate.try_acquire() and gate.try_acquire()
        assert not gate.try_acquire()  # one slot stays free for a final
        assert gate.try_acquire(last_slot=True)  # a speculative final may take it
        gate.release()
        await asyncio.wait_for(gate.acquire(final=True), 1)
        assert gate.in_use == 3

    asyncio.run(scenario())
