import json

import numpy as np
import pytest
from PIL import Image

from lab.cli import main
from lab.data.gif import GifError, frame_indices, load_gif_folder, read_gif
from lab.errors import DataError
from lab.experiments import load_checkpoint, save_checkpoint
from lab.experiments.gif import GIFExperiment


def write_gif(path, frames, mode="L", **kw):
    pils = [Image.fromarray(f, mode) for f in frames]
    pils[0].save(path, format="GIF", save_all=True, append_images=pils[1:], duration=50, loop=0, **kw)


def moving(n=6, size=16, vertical=False, phase=0):
    frames = []
    for t in range(n):
        f = np.zeros((size, size), np.uint8)
        k = (t + phase) % size
        if vertical:
            f[k, :] = 255
        else:
            f[:, k] = 255
        frames.append(f)
    return frames


@pytest.fixture
def gif_folder(tmp_path):
    for cls, vert in (("h", False), ("v", True)):
        (tmp_path / cls).mkdir()
        for i in range(6):
            write_gif(tmp_path / cls / f"{i}.gif", moving(vertical=vert, phase=i))
    return tmp_path


def test_frame_indices():
    assert list(frame_indices(10, 3)) == [0, 4, 9]
    assert frame_indices(2, 3) is None


def test_read_gif_frames_and_size(gif_folder):
    clip = read_gif(gif_folder / "h" / "0.gif", n_frames=3, size=8)
    assert clip.shape == (3, 8, 8) and clip.dtype == np.float32 and 0 <= clip.min() and clip.max() <= 1
    colour = read_gif(gif_folder / "h" / "0.gif", n_frames=3, size=8, color=True)
    assert colour.shape == (3, 8, 8, 3)


def test_transparency_is_composited_on_white(tmp_path):
    first = np.zeros((8, 8), np.uint8)
    first[:4] = 1                                     # top half: the transparent index
    frames = [first, np.full((8, 8), 2, np.uint8)]
    pils = [Image.fromarray(f, "P") for f in frames]
    for p in pils:
        p.putpalette([200, 100, 50, 236, 163, 93, 0, 0, 0] + [0, 0, 0] * 253)
    pils[0].save(tmp_path / "t.gif", save_all=True, append_images=pils[1:], transparency=1, disposal=2)
    clip = read_gif(tmp_path / "t.gif", 2, 8, color=True)
    assert np.allclose(clip[0, 0], 1.0, atol=0.02)  # transparent: white, not its palette colour (236, 163, 93)
    assert np.allclose(clip[0, -1], np.array([200, 100, 50]) / 255, atol=0.02)


@pytest.mark.parametrize("make,reason", [
    (lambda p: write_gif(p, moving(n=1)), "single frame"),
    (lambda p: Image.fromarray(np.zeros((4, 4), np.uint8)).save(p, format="PNG"), "not a GIF (its content is PNG)"),
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_bytes(b"hello"), "not an image"),
    (lambda p: p.write_bytes(b"GIF89a" + b"\xff\xff\xff\xff" + b"\x00" * 20), "cannot be decoded|refusing"),
])
def test_bad_gifs_are_named(tmp_path, make, reason):
    p = tmp_path / "x.gif"
    make(p)
    with pytest.raises(GifError) as e:
        read_gif(p, 3, 8)
    assert str(p) in str(e.value)
    assert any(r in str(e.value) for r in reason.split("|"))


def test_truncated_gif(tmp_path):
    write_gif(tmp_path / "a.gif", moving(n=8, size=32))
    data = (tmp_path / "a.gif").read_bytes()
    (tmp_path / "a.gif").write_bytes(data[: len(data) // 2])
    with pytest.raises(GifError, match="a.gif"):
        read_gif(tmp_path / "a.gif", 8, 8)


def test_huge_header_is_refused_without_allocating(tmp_path):
    p = tmp_path / "huge.gif"
    raw = bytearray(Image.new("L", (1, 1)).tobytes())
    write_gif(p, moving(n=2, size=4))
    data = bytearray(p.read_bytes())
    data[6:10] = (60000).to_bytes(2, "little") + (60000).to_bytes(2, "little")  # logical screen size
    p.write_bytes(bytes(data))
    with pytest.raises(GifError, match="refusing|cannot be decoded"):
        read_gif(p, 2, 8)
    assert raw is not None


def test_folder_skips_and_lists(gif_folder):
    (gif_folder / "h" / "notes.txt").write_text("hello")
    (gif_folder / "empty").mkdir()
    s = load_gif_folder(gif_folder, 3, 8)
    assert s.classes == ["h", "v"] and s.clips.shape == (12, 3, 8, 8)
    reasons = {f.split("/")[-1]: r for f, r in s.skipped}
    assert "notes.txt" in reasons and "empty class" in reasons["empty"]


def test_one_class_is_an_error(tmp_path):
    (tmp_path / "only").mkdir()
    write_gif(tmp_path / "only" / "a.gif", moving())
    with pytest.raises(DataError, match="at least two class subfolders"):
        load_gif_folder(tmp_path, 3, 8)


def test_class_with_one_gif_is_noted(gif_folder):
    for f in list((gif_folder / "v").iterdir())[1:]:
        f.unlink()
    s = load_gif_folder(gif_folder, 3, 8)
    assert any("single GIF" in n for n in s.notes)
    e = GIFExperiment(GIFExperiment.preset_config(size=8, pool=8, epochs=1), data=s)
    assert all(s.labels[i] == 0 for i in e.test_idx)  # the lone GIF trains, never tests


def small(gif_folder, **kw):
    cfg = GIFExperiment.preset_config(data=str(gif_folder), size=16, pool=16, frames=3, layers=[3], kernel=3,
                                      batch_size=4, preview_every=1, **kw)
    return GIFExperiment(cfg)


@pytest.mark.parametrize("mode", ["bptt", "dni"])
def test_experiment_steps(gif_folder, mode):
    e = small(gif_folder, mode=mode)
    snaps = [e.step() for _ in range(e.steps_per_epoch)]
    last = snaps[-1]
    assert np.isfinite(last.metrics["batch_cost"]) and "test_accuracy" in last.metrics
    assert last.arrays["frames"].shape == (3, 16, 16) and last.arrays["gates"].shape == (3, 16, 16)
    assert last.arrays["test_probs"].shape == (len(e.test_idx), 2)
    assert ("sg_loss" in last.metrics) == (mode == "dni")
    assert set(e.train_idx).isdisjoint(e.test_idx)


def test_epoch_train_metrics_are_the_epochs_batches(gif_folder, tmp_path, monkeypatch):
    """Train cost/accuracy come from the epoch's minibatches (no second pass over the training
    GIFs); only the test set is predicted; a checkpoint mid-epoch carries the tally."""
    e = small(gif_folder)
    seen, predict = [], e.predict
    monkeypatch.setattr(e, "predict", lambda idx: seen.append(len(idx)) or predict(idx))
    for _ in range(e.steps_per_epoch - 1):
        e.step()
    save_checkpoint(e, tmp_path / "mid.npz")
    last = e.step()
    assert seen == [len(e.test_idx)]                       # one test pass, no train pass
    assert 0 <= last.metrics["train_accuracy"] <= 1 and np.isfinite(last.metrics["train_cost"])
    assert e.final_metrics()["train_accuracy"] == last.metrics["train_accuracy"] and seen == [len(e.test_idx)]
    b = load_checkpoint(tmp_path / "mid.npz")
    assert b.step().metrics["train_accuracy"] == last.metrics["train_accuracy"]


def test_conv_ugrnn_cell_trains_and_dni_asks_for_the_convlstm(gif_folder):
    e = small(gif_folder, cell="conv-ugrnn")
    snaps = [e.step() for _ in range(e.steps_per_epoch)]
    assert snaps[-1].arrays["gates"].shape == (1, 16, 16) and "test_accuracy" in snaps[-1].metrics
    assert set(e.net.params[0]) == {"Wx", "Wh", "b"} and e.net.params[0]["Wx"].shape[0] == 2 * 3
    with pytest.raises(DataError, match="ConvLSTM"):
        small(gif_folder, cell="conv-ugrnn", mode="dni")


def test_split_per_gif_fixed_by_seed(gif_folder):
    a, b = small(gif_folder, seed=3), small(gif_folder, seed=3)
    assert list(a.test_idx) == list(b.test_idx) and len(a.test_idx) == 4  # 25 % of 6 per class, rounded


def test_checkpoint_exact(gif_folder, tmp_path):
    for mode in ("bptt", "dni"):
        a = small(gif_folder, mode=mode)
        a.step()
        save_checkpoint(a, tmp_path / "g.npz")
        a.step()
        b = load_checkpoint(tmp_path / "g.npz")
        b.step()
        np.testing.assert_array_equal(a.net.params[0]["Wh"], b.net.params[0]["Wh"])


def test_cli_gif(gif_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "gif", "--data", str(gif_folder), "--mode", "dni", "--epochs", "2", "--out", str(out),
                 "--set", "size=16", "--set", "pool=16", "--set", "layers=3"]) == 0
    final = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert final["mode"] == "dni" and "train_accuracy" in final and "test_accuracy" in final
    assert len(final["predictions"]) == 4 and all(set(p) == {"h", "v"} for p in final["predictions"].values())
    assert (out / "predictions.csv").exists()


def test_builtin_default_reaches_95_percent():
    """The issue's bar, with BPTT on the built-in moving shapes (about 60 s here)."""
    e = GIFExperiment()
    assert e.classes == ["horizontal", "vertical"] and len(e.test_idx) == 50
    while e.steps_done < e.total_steps:
        e.step()
    assert e.final_metrics()["test_accuracy"] >= 0.95


def test_builtin_dni_reaches_90_percent():
    """Issue 12's bar for DNI on the motion-only shapes (the "dni" preset: one synthetic gradient,
    after frame 2 of 4; about 75 s here). Seeds 0-3 all reach 100 % (README)."""
    e = GIFExperiment(GIFExperiment.preset_config("dni"))
    while e.steps_done < e.total_steps:
        e.step()
    m = e.final_metrics()
    assert m["mode"] == "dni" and m["test_accuracy"] >= 0.90
    assert 0 < e.dni.cosines["sg_cosine"] <= 1       # the synthetic gradient points the true one's way


def test_real_gifs(shared_data):
    s = load_gif_folder(shared_data / "gifs", 3, 32)
    assert s.classes == ["animals", "faces"] and len(s.clips) == 24 and not s.skipped


@pytest.mark.parametrize("mode", ["bptt", "dni"])
def test_stacked_layers(gif_folder, mode):
    e = GIFExperiment(GIFExperiment.preset_config(data=str(gif_folder), size=16, pool=8, frames=3, layers=[3, 2],
                                                  kernel=3, batch_size=4, mode=mode))
    before = [p["Wx"].copy() for p in e.net.params]
    s = e.step()
    s = e.step()  # DNI: the lower layer first moves once its predictors have learnt from one step
    assert np.isfinite(s.metrics["batch_cost"])
    assert all(not np.array_equal(b, p["Wx"]) for b, p in zip(before, e.net.params))  # both layers learn


def test_one_by_one_gif(tmp_path):
    write_gif(tmp_path / "tiny.gif", [np.zeros((1, 1), np.uint8), np.full((1, 1), 255, np.uint8)])
    clip = read_gif(tmp_path / "tiny.gif", 2, 8)
    assert clip.shape == (2, 8, 8) and clip[1].min() > 0.9


def test_synthetic_gradient_model_gradcheck():
    from lab.experiments.gif.dni import GradientModel
    from lab.nn.gradcheck import eval_numerical_gradient_array, rel_error
    rng = np.random.default_rng(0)
    m = GradientModel(2, 3, conditional=True, hidden=3, kernel=3, rng=rng, dtype=np.float64)
    m.params["W2"] = rng.standard_normal(m.params["W2"].shape)        # zero at init: check it non-zero
    x = m.inputs(rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((2, 2, 5, 5)), np.array([0, 2]), 0.5)
    assert x.shape == (2, 8, 5, 5) and np.all(x[:, 4] == 0.5) and np.all(x[1, 5 + 2] == 1) and np.all(x[1, 5:7] == 0)
    out, cache = m.forward(x)
    dout = rng.standard_normal(out.shape)
    grads = m.backward(dout, cache)
    for k, p in m.params.items():
        num = eval_numerical_gradient_array(lambda: m.forward(x)[0], p, dout)
        assert rel_error(num, grads[k]) < 1e-6, k


def test_chunked_bptt_equals_full_bptt():
    """Backprop over chunks [0, 1), [1, 3) carrying (dh, dc) gives the full BPTT's gradients."""
    from lab.experiments.gif.dni import chunk_backward
    from lab.nn.convlstm_classifier import ConvLSTMClassifier
    from lab.nn.recurrent import convlstm_forward
    rng = np.random.default_rng(1)
    net = ConvLSTMClassifier(1, [3, 2], 3, 8, 8, 2, rng=rng)
    xs = rng.standard_normal((3, 2, 1, 8, 8)).astype(np.float32)
    (scores, hc), layers = net.forward(xs)
    _, dscores = net.cost(scores, np.array([0, 1]))
    _, (full, _) = net.backward(dscores, (hc, layers))
    dh_top, _ = net.head_backward(dscores, hc)
    caches, inp = [], xs                                   # per-step caches, as DNI's own forward keeps them
    for p, ch in zip(net.params, net.layers):
        inp, c = convlstm_forward(inp, p, ch)
        caches.append(c)
    dh = [np.zeros((2, 3, 8, 8), np.float32), dh_top]
    dc = [np.zeros_like(d) for d in dh]
    g2, dh, dc = chunk_backward(caches, dh, dc, 1, 3, 2)
    g1, _, _ = chunk_backward(caches, dh, dc, 0, 1, 2)
    for l in range(2):
        for k in ("Wx", "Wh", "b"):
            np.testing.assert_allclose(g1[l][k] + g2[l][k], full[l][k], rtol=1e-4, atol=1e-6)


def test_dni_with_one_chunk_is_bptt(gif_folder):
    """k = all frames: no synthetic gradient is used, and DNI takes BPTT's step exactly."""
    a, b = small(gif_folder, mode="bptt"), small(gif_folder, mode="dni", dni_k=3)
    a.step(), b.step()
    np.testing.assert_allclose(a.net.params[0]["Wh"], b.net.params[0]["Wh"], rtol=1e-5, atol=1e-7)


def test_dni_reports_the_cosine_with_the_true_gradient(gif_folder):
    e = small(gif_folder, mode="dni", dni_k=1)
    snaps = [e.step() for _ in range(10)]
    m = snaps[-1].metrics
    assert {"sg_cosine", "sg_cosine/t1", "sg_cosine/t2"} <= set(m) and -1 <= m["sg_cosine"] <= 1
    assert "sg_cosine" not in snaps[0].metrics                    # computed every 10 steps, on the side


def test_synthetic_gradients_never_outgrow_their_targets(gif_folder):
    """A prediction longer than the running norm of the targets its predictor was shown is scaled
    down to it (the direction kept); before any target, and below the bound, it passes unchanged."""
    e = small(gif_folder, mode="dni", dni_k=1)
    sg = e.dni
    out = np.ones((2, 6, 4, 4), np.float32)
    assert sg._bounded(out, 0) is out                                  # no target seen yet
    sg.target_norm[0] = 2.0
    scaled = sg._bounded(out, 0)
    assert np.isclose(np.linalg.norm(scaled), 2.0) and np.allclose(scaled / scaled.flat[0], 1.0)
    assert sg._bounded(out * 0.01, 0) is not None and np.allclose(sg._bounded(out * 0.01, 0), out * 0.01)
    e.step()
    assert np.all(np.isfinite(sg.target_norm)) and np.all(sg.target_norm > 0)   # learnt from the first step
