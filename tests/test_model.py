import pytest
import timm
import torch

from artlib.model import SPATIAL_FUSIONS, BiAttention, Verifier, VerifierConfig, shape_table
from artlib.world import WORLD_LABELS

TINY = dict(encoder="test_resnet", image_size=32)


def _batch(b=3, s=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, 4, s, s, generator=g), torch.rand(b, 3, s, s, generator=g), torch.randint(0, 16, (b, s, s), generator=g)


@pytest.mark.parametrize("attention", ["elementwise", "outer", "none"])
@pytest.mark.parametrize("layout", ["paper", "code"])
@pytest.mark.parametrize("loss", ["paper", "code"])
def test_all_variants_run_and_have_valid_outputs(attention, layout, loss):
    torch.manual_seed(0)
    m = Verifier(VerifierConfig(**TINY, attention=attention, layout=layout, loss=loss), WORLD_LABELS)
    out = m(*_batch())
    assert out["content"].shape == (3,) and out["spatial"].shape == (3,)
    assert torch.all((out["content"] > 0) & (out["content"] < 1)) and torch.all((out["spatial"] > 0) & (out["spatial"] < 1))
    losses = m.loss(out, torch.tensor([1.0, 0.0, 1.0]), torch.tensor([1.0, 0.0, 0.4]))
    losses["loss"].backward()
    assert all(p.grad is not None for p in m.head_c.parameters())


def test_paper_dimensions():
    """ResNet-50 at 256 px pooled to 2x2 gives the paper's 8192-dim features (checked on shapes
    of the timm model's feature map, without running ResNet-50)."""
    enc = timm.create_model("resnet50", pretrained=False, num_classes=0, global_pool="")
    assert enc.num_features * 2 * 2 == 8192
    assert enc.forward_features(torch.zeros(1, 3, 256, 256)).shape == (1, 2048, 8, 8)


def test_fusion_layouts_and_attention_sizes():
    m = Verifier(VerifierConfig(**TINY, attention="outer", layout="paper"), WORLD_LABELS)
    d = m.feature_dim
    h_f, h_b, h_s = torch.full((1, d), 1.0), torch.full((1, d), 2.0), torch.full((1, d), 3.0)
    u_c, u_s = m.fuse(h_f, h_b, h_s)
    assert u_c.shape == (1, 3 * d + 900)
    assert torch.all(u_c[:, :d] == 1) and torch.all(u_c[:, d : 2 * d] == 3)  # [h_F, h_S, ...]
    assert torch.all(u_s[:, :d] == 1) and torch.all(u_s[:, d : 2 * d] == 2)  # [h_F, h_B, ...]
    assert torch.all(u_c[:, -d:] == 3)  # h^ = max = h_S
    code = Verifier(VerifierConfig(**TINY, attention="none", layout="code"), WORLD_LABELS)
    u_c, u_s = code.fuse(h_f, h_b, h_s)
    assert u_c.shape == (1, 3 * d) and torch.all(u_c[:, :d] == 2) and torch.all(u_s[:, :d] == 3)


def test_bi_attention_elementwise_matches_the_formula():
    torch.manual_seed(0)
    att = BiAttention(4, 2, 3, "elementwise")
    x, h = torch.randn(5, 4), torch.randn(5, 2)
    z = (x @ att.w1.weight.T) * (h @ att.w2.weight.T)
    torch.testing.assert_close(att(x, h), 0.5 * z * (1 + torch.tanh((2 / torch.pi) ** 0.5 * (z + 0.044715 * z**3))))


def test_dropout_only_in_training():
    torch.manual_seed(0)
    m = Verifier(VerifierConfig(**TINY), WORLD_LABELS)
    batch = _batch()
    m.eval()
    a, b = m(*batch), m(*batch)
    torch.testing.assert_close(a["spatial"], b["spatial"])
    m.train()
    torch.manual_seed(1)
    c = m(*batch)
    torch.manual_seed(2)
    d = m(*batch)
    assert not torch.allclose(c["spatial"], d["spatial"])


def test_input_options_and_resize():
    """48 px inputs are resized to the model's 32 px: the same scores as inputs resized beforehand
    (bilinear with antialiasing, a linear map, so resizing before or after compositing agrees)."""
    import torch.nn.functional as F

    down = lambda x: F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False, antialias=True)  # noqa: E731
    for opts in (dict(fg_input="rgba"), dict(fg_input="rgb"), dict(parse_input="onehot")):
        torch.manual_seed(0)
        m = Verifier(VerifierConfig(**TINY, **opts), WORLD_LABELS).eval()
        fg, bg, parse = _batch(s=48)
        fg = torch.cat([fg[:, :3] * fg[:, 3:], fg[:, 3:]], 1)  # premultiplied, as the model expects
        with torch.no_grad():
            big, small = m(fg, bg, parse), m(down(fg), down(bg), parse)
        for head in ("content", "spatial"):
            assert big[head].shape == (3,)
            torch.testing.assert_close(big[head], small[head], atol=1e-5, rtol=1e-4)


def test_pretrained_weights_come_from_a_local_file(tmp_path):
    torch.manual_seed(5)
    src = timm.create_model("test_resnet", pretrained=False, num_classes=0, global_pool="")
    path = tmp_path / "weights.pth"
    torch.save(src.state_dict(), path)
    m = Verifier(VerifierConfig(**TINY, pretrained_path=str(path)), WORLD_LABELS)
    for enc in (m.enc_f, m.enc_b, m.enc_s):
        torch.testing.assert_close(enc.state_dict()["conv1.0.weight"], src.state_dict()["conv1.0.weight"])
    with pytest.raises(FileNotFoundError, match="pretrained weights file not found"):
        Verifier(VerifierConfig(**TINY, pretrained_path=str(tmp_path / "missing.pth")), WORLD_LABELS)


def test_bad_config_and_inputs():
    with pytest.raises(ValueError, match="attention"):
        VerifierConfig(attention="cross")
    with pytest.raises(ValueError, match="lam"):
        VerifierConfig(lam=1.5)
    with pytest.raises(ValueError, match="unknown verifier options"):
        VerifierConfig.from_dict({"encoder": "resnet18", "depth": 3})
    with pytest.raises(ValueError, match="spatial_fusion must be one of"):
        VerifierConfig(spatial_fusion="middle")
    with pytest.raises(ValueError, match="unknown encoder 'resnet_nope'"):
        Verifier(VerifierConfig(encoder="resnet_nope"), WORLD_LABELS)
    m = Verifier(VerifierConfig(**TINY), WORLD_LABELS)
    fg, bg, parse = _batch()
    with pytest.raises(ValueError, match="fg must be"):
        m(fg[:, :3], bg, parse)
    with pytest.raises(ValueError, match="parse must be"):
        m(fg, bg, parse.float())


def test_shape_table_lists_every_step():
    rows = dict(shape_table(Verifier(VerifierConfig(**TINY), WORLD_LABELS)))
    d = rows["pooled 2x2 and flattened h_B (also h_F, h_S, h^)"][1]
    assert rows["U_C"][1] == rows["U_S"][1] == 3 * d + 30
    assert rows["encoder feature map H^F"] == (2, 96, 1, 1) and d == 96 * 4
    assert rows["y^s (spatial score)"] == (2,) and rows["content logits"] == (2, 2)
    early = dict(shape_table(Verifier(VerifierConfig(**TINY, spatial_fusion="map"), WORLD_LABELS)))
    # the context half of the map branch's first convolution (64 channels), computed once per background
    assert early["map-fusion context (computed once per background)"] == (2, 64, 8, 8) and "U_S" not in early


@pytest.mark.parametrize("fusion", SPATIAL_FUSIONS)
def test_encode_once_score_many_equals_the_plain_forward(fusion):
    """Scoring many foregrounds against one encoded background gives the plain forward's scores."""
    torch.manual_seed(0)
    m = Verifier(VerifierConfig(**TINY, spatial_fusion=fusion), WORLD_LABELS).eval()
    fg, bg, parse = _batch(4)
    with torch.no_grad():
        plain = m(fg, bg[:1].expand(4, -1, -1, -1), parse[:1].expand(4, -1, -1))
        ctx = m.encode_context(bg[:1], parse[:1])
        cached = m.score(fg, ctx)
        spatial_only = m.score(fg, ctx, ("spatial",))
        per_row = m.score(fg, m.encode_context(bg, parse).select(torch.tensor([0, 1, 2, 0])), ("content",))
    for k in ("content", "spatial"):
        torch.testing.assert_close(cached[k], plain[k], atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(spatial_only["spatial"], plain["spatial"], atol=1e-6, rtol=1e-5)
    assert set(spatial_only) == {"spatial"}
    with torch.no_grad():
        direct = m(fg[[0, 1, 2, 3]], bg[[0, 1, 2, 0]], parse[[0, 1, 2, 0]])
    torch.testing.assert_close(per_row["content"], direct["content"], atol=1e-6, rtol=1e-5)
    with pytest.raises(ValueError, match="heads must be among"):
        m.score(fg, ctx, ("style",))


@pytest.mark.parametrize("mode", ["paper", "code"])
def test_loss_matches_the_formula(mode):
    """Section 4.2.3: lam * CE + (1 - lam) * MSE (paper) or MSE + 1.5 * MSE (authors' code)."""
    torch.manual_seed(0)
    m = Verifier(VerifierConfig(**TINY, loss=mode, lam=0.3), WORLD_LABELS)
    out = m(*_batch())
    yc, ys = torch.tensor([1.0, 0.0, 1.0]), torch.tensor([1.0, 0.0, 0.4])
    got = m.loss(out, yc, ys)
    mse_s = ((out["spatial"] - ys) ** 2).mean()
    if mode == "paper":
        p = torch.softmax(out["content_logits"], 1)
        ce = -(yc * p[:, 1].log() + (1 - yc) * p[:, 0].log()).mean()
        want = 0.3 * ce + 0.7 * mse_s  # a swapped lambda (0.7 * ce + 0.3 * mse) fails here
    else:
        want = ((out["content"] - yc) ** 2).mean() + 1.5 * mse_s  # a wrong 1.5 fails here
    torch.testing.assert_close(got["loss"], want)
    torch.testing.assert_close(got["loss_spatial"], mse_s.detach())


def test_content_negatives_can_be_left_out_of_the_spatial_loss():
    torch.manual_seed(0)
    m = Verifier(VerifierConfig(**TINY, spatial_on_content_negatives=False), WORLD_LABELS)
    out = m(*_batch())
    yc, ys = torch.tensor([1.0, 0.0, 1.0]), torch.tensor([1.0, 0.0, 0.4])
    keep = torch.tensor([True, False, True])
    torch.testing.assert_close(m.loss(out, yc, ys)["loss_spatial"], ((out["spatial"] - ys) ** 2)[keep].mean().detach())


def test_hidden_head_option():
    """``head_hidden=16``: the content head is Linear -> GELU -> Linear, and the model's content logit is
    exactly that computed by hand on the fused features it reads (eval mode: no dropout)."""
    torch.manual_seed(0)
    m = Verifier(VerifierConfig(**TINY, head_hidden=16), WORLD_LABELS).eval()
    assert isinstance(m.head_c, torch.nn.Sequential) and m.head_c[0].out_features == 16
    seen = {}
    m.head_c.register_forward_hook(lambda mod, inp, out: seen.update(u=inp[0], out=out))
    with torch.no_grad():
        assert m(*_batch())["content"].shape == (3,)
        first, last = m.head_c[0], m.head_c[2]
        by_hand = torch.nn.functional.gelu(seen["u"] @ first.weight.T + first.bias) @ last.weight.T + last.bias
    torch.testing.assert_close(seen["out"], by_hand)
    assert sum(p.numel() for p in m.head_c.parameters()) == first.in_features * 16 + 16 + 16 * last.out_features + last.out_features


def test_shapes_input_makes_the_spatial_head_blind_to_colours():
    torch.manual_seed(0)
    model = Verifier(VerifierConfig(**TINY, spatial_fusion="map", spatial_input="shapes"), WORLD_LABELS).eval()
    s = model.config.image_size
    alpha = torch.zeros(1, 1, s, s)
    alpha[..., s // 3 :, s // 3 : s // 2] = 1
    red, blue = torch.tensor([0.9, 0.1, 0.1]).view(1, 3, 1, 1), torch.tensor([0.1, 0.2, 0.9]).view(1, 3, 1, 1)
    parse = torch.randint(0, len(WORLD_LABELS), (1, s, s))
    with torch.no_grad():
        a = model(torch.cat([red * alpha, alpha], 1), torch.rand(1, 3, s, s), parse)
        b = model(torch.cat([blue * alpha, alpha], 1), torch.rand(1, 3, s, s), parse)
    assert torch.allclose(a["spatial"], b["spatial"]) and not torch.allclose(a["content"], b["content"])
    with pytest.raises(ValueError, match="spatial_input shapes needs spatial_fusion early or map"):
        VerifierConfig(**TINY, spatial_input="shapes")


def test_train_like_refuses_unknown_options(tmp_path):
    import dataclasses
    import json

    from artlib.train import TrainConfig, train_like

    record = {"history": [], "verifier_config": VerifierConfig(**TINY).to_dict(),
              "train_config": dataclasses.asdict(TrainConfig(data_dir=str(tmp_path / "data")))}
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"not verifier options: \['colour_blind'\]"):
        train_like(tmp_path / "run", tmp_path / "out", colour_blind=True)
    with pytest.raises(ValueError, match="spatial_input shapes needs spatial_fusion early or map"):
        train_like(tmp_path / "run", tmp_path / "out", spatial_input="shapes")
    with pytest.raises(FileNotFoundError, match="no such file"):
        train_like(tmp_path / "missing", tmp_path / "out")


# ------------------------------------------------------------------------------------------ person crop
def _person(canvas=64, top=20, left=30, h=20, w=8):
    """A premultiplied F with one rectangular 'person' of colour (0.6, 0.3, 0.1)."""
    fg = torch.zeros(1, 4, canvas, canvas)
    fg[0, :3, top:top + h, left:left + w] = torch.tensor([0.6, 0.3, 0.1])[:, None, None]
    fg[0, 3, top:top + h, left:left + w] = 1
    return fg


def test_person_crop_cuts_the_person_out_at_a_fixed_shape():
    m = Verifier(VerifierConfig(**TINY, person_crop=32), WORLD_LABELS)
    crop = m.person_crop(_person())
    assert crop.shape == (1, 4, 32, 16)
    # box: side max(20, 2 * 8) * (1 + 2/16) = 22.5 px tall, 11.25 wide; the person fills 20 x 8 of it
    assert float(crop[0, 3].sum()) == pytest.approx(32 * 16 * (20 * 8) / (22.5 * 11.25), rel=0.02)
    assert float(crop[0, 3, 16, 8]) == pytest.approx(1.0) and float(crop[0, 3, 0, 0]) == 0.0
    # a wide person: the box follows the width (2 x 12 = 24 > 10), so the person keeps their proportions
    wide = m.person_crop(_person(h=10, w=12))
    assert float(wide[0, 3].sum()) == pytest.approx(32 * 16 * (10 * 12) / (27 * 13.5), rel=0.02)
    # no person: the whole canvas
    assert m.person_crop(torch.zeros(1, 4, 64, 64)).abs().sum() == 0


def test_the_crop_content_head_does_not_see_where_the_person_stands():
    torch.manual_seed(0)
    m = Verifier(VerifierConfig(**TINY, person_crop=32, head_hidden=8), WORLD_LABELS).eval()
    paper = Verifier(VerifierConfig(**TINY), WORLD_LABELS).eval()
    fg = torch.cat([_person(top=10, left=5), _person(top=40, left=50), _person(top=30, left=20)])
    _, bg, parse = _batch(1, 64)
    with torch.no_grad():
        ctx = m.encode_context(bg, parse)
        c = m.score(fg, ctx, ("content",))["content"]
        p = paper.score(fg, paper.encode_context(bg, parse), ("content",))["content"]
    torch.testing.assert_close(c, c[:1].expand(3), atol=1e-6, rtol=0)  # moved by whole pixels: the same crop
    assert float(p.max() - p.min()) > 1e-4  # the paper's head sees F on the canvas, so it does


def test_person_crop_options():
    with pytest.raises(ValueError, match=r"person_crop must be 0 \(the paper's view of F\) or in \[16, 512\] px, got 8"):
        VerifierConfig(person_crop=8)
    m = Verifier(VerifierConfig(**TINY, person_crop=16, spatial_fusion="map"), WORLD_LABELS)
    assert m.enc_f is None and m.att_c is None and m.enc_p is not None
    late = Verifier(VerifierConfig(**TINY, person_crop=16), WORLD_LABELS)
    assert late.enc_f is not None and late.att_s is not None  # the paper's spatial head still reads h_F
    # every weight gets a gradient (DistributedDataParallel refuses unused parameters)
    fg, bg, parse = _batch()
    for model in (m, late):
        out = model(fg, bg, parse)
        model.loss(out, torch.tensor([1.0, 0.0, 1.0]), torch.rand(3))["loss"].backward()
        assert all(p.grad is not None for p in model.parameters())
    rows = dict(shape_table(m))
    assert rows["input F"] == (2, 4, 16, 8) and rows["content logits"] == (2, 2)
