"""Train the audio-visual sync embedding (avsync/weights/sync.pt) on real, in-sync clips.

Only real clips are needed: the in-sync lag is the positive, every other lag within
+-1 s is a negative (SyncNet's idea, on mouth-landmark shapes instead of pixels since
we have minutes, not hours, of video).

    python models/sync/extract.py --out CACHE
    python models/sync/train.py --cache CACHE --cv          # leave-one-source-out figures
    python models/sync/train.py --cache CACHE --out avsync/weights/sync.pt   # shipped model

The shipped model is trained on every group; --cv trains one model per held-out group
and reports planted-shift accuracy on that group only, then fits the confidence
calibration (peak sharpness -> P(within one frame)) on those held-out estimates.
"""
import argparse
import glob
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from avsync.detectors import sync  # noqa: E402
from avsync.nets import syncnet  # noqa: E402
from avsync.timeline import Timeline  # noqa: E402

MAX_LAG = 100  # ticks (1 s) either way
SEED = 1234
PLANTED_MS = [-600, -470, -333, -250, -130, -70, -30, 0, 30, 70, 130, 250, 333, 470, 600]
EVAL_GROUPS = ["pcavs", "retalking", "wda", "kennedy", "grid", "hdtf", "mead", "kim"]


def load_cache(cache):
    clips = []
    for f in sorted(glob.glob(os.path.join(cache, "*.npz"))):
        d = np.load(f)
        tl = Timeline(float(d["mel_start"]), float(d["mel_step"]), len(d["mel"]))
        clips.append(dict(name=os.path.basename(f)[:-4], group=str(d["group"]), mel=d["mel"], speech=d["speech"],
                          tl=tl, times=d["times"], shapes=d["shapes"], quality=d["quality"]))
    return clips


def augment_inputs(c, rng):
    """Channel and frame-rate variation applied to one clip for one training step."""
    mel = c["mel"].astype(np.float64)
    tilt = rng.uniform(-1.0, 1.0) * np.linspace(-1, 1, mel.shape[1])
    mel = mel + tilt + rng.uniform(-3, 3)
    if rng.random() < 0.7:  # additive noise at 0-30 dB SNR against the speech level
        sp = np.exp(mel[c["speech"]]).mean() if c["speech"].any() else np.exp(mel).mean()
        snr = 10 ** (rng.uniform(0, 30) / 10)
        noise = sp / snr * rng.gamma(2.0, 0.5, size=mel.shape) * np.exp(rng.normal(0, 1, mel.shape[1]))
        mel = np.log(np.exp(mel) + noise)
    keep = rng.random(len(c["times"])) > rng.uniform(0, 0.4)  # drop frames: lower and variable frame rates
    keep[[0, -1]] = True
    shapes = c["shapes"][keep] + rng.normal(0, 0.005, size=(keep.sum(), c["shapes"].shape[1]))
    a_in = sync.audio_input(mel.astype(np.float32), c["tl"])
    v_in, valid = sync.video_input(c["times"][keep], shapes, c["tl"])
    return a_in, v_in, valid


def clip_loss(model, a_in, v_in, valid, speech, rng, seg=400):
    ea, ev = model(torch.from_numpy(a_in)[None], torch.from_numpy(v_in)[None])
    ea, ev = ea[0], ev[0]  # (E, n)
    n = ea.shape[1]
    s0 = int(rng.integers(0, max(1, n - seg)))
    t = torch.arange(s0, min(n, s0 + seg))
    lags = torch.arange(-MAX_LAG, MAX_LAG + 1)
    idx = t[:, None] + lags[None, :]
    inside = (idx >= 0) & (idx < n)
    idx_c = idx.clamp(0, n - 1)
    sim = torch.gather(ev[:, t].T @ ea, 1, idx_c)  # (T, L): ev[t] . ea[t + lag]
    w = torch.from_numpy(valid.astype(np.float32))[t] * torch.from_numpy(speech.astype(np.float32))[t]
    if w.sum() < 20:
        return None
    temp = model.log_temp.exp()
    target = torch.exp(-0.5 * (lags.float() / 3.0) ** 2)[None] * inside
    logit = torch.where(inside, sim * temp, torch.full_like(sim, -1e4))
    tick_loss = -(target / target.sum(1, keepdim=True).clamp_min(1e-6) * F.log_softmax(logit, dim=1)).sum(1)
    tick_loss = (tick_loss * w).sum() / w.sum()
    # window-level: the mean agreement over the segment must peak at lag 0 (what inference uses)
    ws = (sim * w[:, None] * inside).sum(0) / ((w[:, None] * inside).sum(0) + 1e-6)
    tw = torch.exp(-0.5 * (lags.float() / 1.5) ** 2)
    win_loss = -(tw / tw.sum() * F.log_softmax(ws * temp * 4.0, dim=0)).sum()
    return tick_loss + win_loss


def train(clips, *, steps, seed=SEED, log=lambda *a: print(*a, flush=True)):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    model = syncnet.SyncNet(syncnet.SyncDims())
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps, pct_start=0.1)
    # weight clips by speech length so long clips are not under-sampled
    p = np.array([max(c["speech"].sum(), 1) for c in clips], float) ** 0.5
    p /= p.sum()
    t0 = time.time()
    run = []
    for step in range(steps):
        model.train()
        losses = []
        for k in rng.choice(len(clips), size=8, p=p):
            c = clips[k]
            a_in, v_in, valid = augment_inputs(c, rng)
            loss = clip_loss(model, a_in, v_in, valid, c["speech"], rng)
            if loss is not None:
                losses.append(loss)
        if not losses:
            continue
        loss = torch.stack(losses).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        run.append(loss.item())
        if (step + 1) % 100 == 0:
            log(f"  step {step + 1}/{steps} loss {np.mean(run[-100:]):.3f} ({time.time() - t0:.0f}s)")
    return model.eval()


def shifted(c, shift_ticks):
    """The clip's audio features delayed by shift_ticks (negative: advanced), gap filled with its quietest frame."""
    mel, sp = c["mel"], c["speech"]
    fill = mel.min(axis=0)
    out = np.empty_like(mel)
    osp = np.zeros_like(sp)
    if shift_ticks >= 0:
        out[:shift_ticks] = fill
        out[shift_ticks:] = mel[:len(mel) - shift_ticks]
        osp[shift_ticks:] = sp[:len(sp) - shift_ticks]
    else:
        s = -shift_ticks
        out[-s:] = fill
        out[:-s] = mel[s:]
        osp[:-s] = sp[s:]
    return out, osp


def evaluate(model, clips, log=print):
    rows = []
    for c in clips:
        fps = 1.0 / np.median(np.diff(c["times"]))
        v_in, valid = sync.video_input(c["times"], c["shapes"], c["tl"])
        for ms in PLANTED_MS:
            d = int(round(ms / 10))
            mel, sp = shifted(c, d)
            ea = sync.embed_audio(model, sync.audio_input(mel, c["tl"]))
            ev = sync.embed_video(model, v_in)
            est = sync.estimate_sync(ea, ev, valid.astype(np.float32), sp, c["tl"], calib=(1.0, 0.0))
            err = None if est.offset_ms is None else est.offset_ms - ms
            rows.append(dict(clip=c["name"], group=c["group"], planted_ms=ms, est_ms=est.offset_ms, err_ms=err,
                             frame_ms=1000 / fps, sharp=est.sharpness,
                             win=[(w.offset_ms, w.confidence, w.evidence_s) for w in est.windows]))
    return rows


def summarize(rows, label, log=print):
    ok1 = [r["err_ms"] is not None and abs(r["err_ms"]) <= r["frame_ms"] for r in rows]
    ok20 = [r["err_ms"] is not None and abs(r["err_ms"]) <= 20 for r in rows]
    inc = [r["err_ms"] is None for r in rows]
    errs = [abs(r["err_ms"]) for r in rows if r["err_ms"] is not None]
    log(f"{label}: n={len(rows)} within1frame={np.mean(ok1):.3f} within20ms={np.mean(ok20):.3f} "
        f"inconclusive={np.mean(inc):.3f} median_abs_err={np.median(errs) if errs else float('nan'):.1f}ms")
    return float(np.mean(ok1))


def fit_calibration(rows):
    """Logistic fit of P(|error| <= 1 frame) on clip sharpness from held-out estimates."""
    x = np.array([r["sharp"] for r in rows if r["err_ms"] is not None])
    y = np.array([abs(r["err_ms"]) <= r["frame_ms"] for r in rows if r["err_ms"] is not None], float)
    a, b = 1.0, 0.0
    for _ in range(2000):  # plain gradient descent on the log loss; 2 parameters
        p = 1 / (1 + np.exp(-(a * x + b)))
        ga, gb = np.mean((p - y) * x), np.mean(p - y)
        a -= 0.05 * ga
        b -= 0.05 * gb
    return float(a), float(b)


def error_quantiles(rows, min_sharpness=3.0):
    """100 quantiles of held-out errors (ms) of clear estimates: the error distribution that
    avsync uses to say how likely the true offset is beyond the tolerance."""
    errs = [r["err_ms"] for r in rows if r["err_ms"] is not None and r["sharp"] >= min_sharpness]
    return [round(float(q), 2) for q in np.percentile(errs, np.linspace(0.5, 99.5, 100))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cache", required=True)
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--out")
    ap.add_argument("--calib", help="JSON with the calibration written by --cv")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-folds", metavar="DIR", help="with --cv: keep each fold model as DIR/fold_<group>.pt "
                    "(benchmarks/sync_accuracy.py --holdout-dir uses them)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    clips = load_cache(args.cache)
    print(f"{len(clips)} clips, groups: {sorted(set(c['group'] for c in clips))}")
    if args.cv:
        rows = []
        for g in EVAL_GROUPS:
            train_clips = [c for c in clips if c["group"] != g]
            test_clips = [c for c in clips if c["group"] == g]
            print(f"fold: hold out {g} ({len(test_clips)} clips), train on {len(train_clips)}")
            model = train(train_clips, steps=args.steps)
            if args.save_folds:
                os.makedirs(args.save_folds, exist_ok=True)
                syncnet.save(model, os.path.join(args.save_folds, f"fold_{g}.pt"), held_out=g, steps=args.steps)
            r = evaluate(model, test_clips)
            summarize(r, f"held-out {g}")
            rows += r
        summarize(rows, "ALL held-out")
        calib = fit_calibration(rows)
        quant = error_quantiles(rows)
        print("calibration", calib, "error quantiles 5/50/95 %:", quant[4], quant[49], quant[94])
        with open(os.path.join(args.cache, "cv_rows.json"), "w") as f:
            json.dump(dict(rows=rows, calib=calib, err_quantiles_ms=quant), f)
    if args.out:
        calib, quant = (1.0, 0.0), []
        if args.calib:
            cv = json.load(open(args.calib))
            calib = tuple(cv["calib"])
            quant = cv.get("err_quantiles_ms") or error_quantiles(cv["rows"])
        model = train(clips, steps=args.steps)
        syncnet.save(model, args.out, calib=list(calib), err_quantiles_ms=quant, steps=args.steps, seed=SEED,
                     trained_on=sorted(set(c["group"] for c in clips)))
        print("wrote", args.out)


if __name__ == "__main__":
    main()
