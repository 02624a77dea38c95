"""The training order's saved position: what a resumed run skips, and what it must not."""

from genlab.data.epoch_order import EpochOrder, ResumableLoader


def batches(loader: ResumableLoader) -> list[list[int]]:
    return [batch.tolist() for batch in loader]


def test_a_restored_order_skips_the_trained_batches_once_and_only_in_their_epoch() -> None:
    data = list(range(40))
    trained = ResumableLoader(data, batch_size=4, sampler=EpochOrder(data, 7, 4), drop_last=True)
    trained.sampler.set_epoch(2)
    whole_epoch = batches(trained)
    for _ in range(3):
        trained.sampler.batch_trained()
    # Another pass over the loader mid-epoch (a VAE's mixture fit) still sees the whole epoch.
    assert batches(trained) == whole_epoch

    restored = ResumableLoader(data, batch_size=4, sampler=EpochOrder(data, 7, 4), drop_last=True)
    restored.load_state_dict(trained.state_dict())
    restored.sampler.set_epoch(2)  # Lightning sets the restored epoch again
    assert batches(restored) == whole_epoch[3:]
    assert batches(restored) == whole_epoch  # only the first pass resumes
    assert restored.state_dict() == {"epoch": 2, "batches_trained": 3}

    restored.load_state_dict(trained.state_dict())
    restored.sampler.set_epoch(3)  # the saved epoch had ended: a new one starts whole
    assert len(batches(restored)) == 10
    assert restored.state_dict() == {"epoch": 3, "batches_trained": 0}


def test_a_loader_without_the_order_saves_nothing_and_ignores_a_saved_position() -> None:
    loader = ResumableLoader(list(range(8)), batch_size=4)
    assert loader.state_dict() == {}
    loader.load_state_dict({"epoch": 1, "batches_trained": 1})  # saved by one process, now DDP
    assert len(batches(loader)) == 2
