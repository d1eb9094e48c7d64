"""Every bad input ends in one clear line and a documented exit code, never a traceback."""
import json
import os
import shutil

import numpy as np
import pytest

from conftest import SAMPLES, make_video, run_cli, speechlike

IN_SYNC = os.path.join(SAMPLES, "grid_in_sync.mp4")


def _one_clean_line(err):
    assert "Traceback" not in err
    lines = [x for x in err.strip().splitlines() if x.strip()]
    assert len(lines) == 1, err
    return lines[0]


def test_missing_file():
    code, out, err = run_cli("check", "/nonexistent/clip.mp4")
    assert code == 4
    assert "no such file" in _one_clean_line(err)


def test_directory(tmp_path):
    code, _, err = run_cli("check", str(tmp_path))
    assert code == 4
    assert "directory" in _one_clean_line(err)


def test_empty_file(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    code, _, err = run_cli("check", str(p))
    assert code == 4
    assert "empty" in _one_clean_line(err)


def test_not_media(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("this is not a video\n" * 100)
    code, _, err = run_cli("check", str(p))
    assert code == 4
    assert "not a readable media file" in _one_clean_line(err)


def test_truncated_mp4(tmp_path):
    p = tmp_path / "cut.mp4"
    data = open(IN_SYNC, "rb").read()
    p.write_bytes(data[: len(data) // 3])
    code, out, err = run_cli("check", str(p))
    assert "Traceback" not in err
    # either unreadable (moov atom lost: exit 4) or analysed what there is with a warning
    assert code in (2, 4) or "truncated" in out, (code, out, err)


def test_random_bytes_with_video_name(tmp_path):
    p = tmp_path / "garbage.mkv"
    p.write_bytes(np.random.default_rng(0).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    code, _, err = run_cli("check", str(p))
    assert code == 4
    _one_clean_line(err)


def test_no_audio_stream_is_inconclusive(tmp_path):
    p = tmp_path / "silent_film.mp4"
    make_video(p, seconds=2)
    code, out, err = run_cli("check", str(p), "--json", "-", "-q")
    assert code == 2, err
    rep = json.loads(out)
    assert rep["label"] == "INCONCLUSIVE" and "no audio stream" in rep["reasons"][0]


def test_audio_only_is_inconclusive_with_reason(tmp_path):
    import soundfile as sf

    p = tmp_path / "call.wav"
    sf.write(p, speechlike(4.0, 8000), 8000)  # telephone rate
    code, out, err = run_cli("check", str(p))
    assert code == 2, err
    assert "audio-only" in out


def test_silence_is_inconclusive(tmp_path):
    p = tmp_path / "quiet.mp4"
    make_video(p, seconds=3, audio=np.zeros(48000, np.float32))
    code, out, _ = run_cli("check", str(p), "--json", "-", "-q")
    assert code == 2
    assert "too little speech" in json.loads(out)["reasons"][0]


def test_no_face_is_inconclusive(tmp_path):
    p = tmp_path / "noise.mp4"
    make_video(p, seconds=4, audio=speechlike(4.0))
    code, out, err = run_cli("check", str(p), "--json", "-", "-q")
    assert code == 2, err
    assert "no human face" in json.loads(out)["reasons"][0]


def test_huge_resolution_is_bounded(tmp_path):
    p = tmp_path / "huge.mp4"
    make_video(p, seconds=1.2, fps=5, size=(7680, 4320), audio=speechlike(1.2))
    code, out, err = run_cli("check", str(p), "--json", "-", "-q")
    assert "Traceback" not in err
    assert code == 2  # too little speech / no face, but analysed without blowing up


def test_bad_option_is_usage_error():
    code, _, err = run_cli("check", IN_SYNC, "--device", "tpu")
    assert code == 3
    assert "Traceback" not in err


def test_cuda_without_gpu_is_clear(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    code, _, err = run_cli("check", IN_SYNC, "--device", "cuda")
    assert code == 3
    assert "no CUDA" in _one_clean_line(err)


def test_unwritable_json_path():
    code, _, err = run_cli("check", IN_SYNC, "--json", "/nonexistent/dir/out.json", "-q")
    assert code == 3
    assert "cannot write" in _one_clean_line(err)


def test_odd_extension_still_decodes(tmp_path):
    p = tmp_path / "clip.weird"
    shutil.copy(IN_SYNC, p)
    code, _, err = run_cli("check", str(p), "-q")
    assert code in (0, 1, 2), err


def test_truncated_faststart_mp4_is_analysed_with_a_warning(tmp_path):
    import av

    full = tmp_path / "faststart.mp4"
    with av.open(IN_SYNC) as src, av.open(str(full), "w", options={"movflags": "faststart"}) as out:
        m = {s.index: out.add_stream_from_template(s) for s in src.streams}
        for pkt in src.demux():
            if pkt.dts is None:
                continue
            pkt.stream = m[pkt.stream.index]
            out.mux(pkt)
    cut = tmp_path / "cut.mp4"
    data = full.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    code, out, err = run_cli("check", str(cut), "--json", "-", "-q")
    assert "Traceback" not in err
    assert code in (0, 1, 2), err
    rep = json.loads(out)
    assert any("truncated" in w for w in rep["warnings"]), rep["warnings"]
