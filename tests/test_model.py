import pytest
import timm
import torch

from artlib.model import BiAttention, Verifier, VerifierConfig, shape_table

TINY = dict(encoder="test_resnet", image_size=32)


def _batch(b=3, s=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(b, 4, s, s, generator=g), torch.rand(b, 3, s, s, generator=g), torch.randint(0, 16, (b, s, s), generator=g)


@pytest.mark.parametrize("attention", ["elementwise", "outer", "none"])
@pytest.mark.parametrize("layout", ["paper", "code"])
@pytest.mark.parametrize("loss", ["paper", "code"])
def test_all_variants_run_and_have_valid_outputs(attention, layout, loss):
    torch.manual_seed(0)
    m = Verifier(VerifierConfig(**TINY, attention=attention, layout=layout, loss=loss))
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
    m = Verifier(VerifierConfig(**TINY, attention="outer", layout="paper"))
    d = m.feature_dim
    h_f, h_b, h_s = torch.full((1, d), 1.0), torch.full((1, d), 2.0), torch.full((1, d), 3.0)
    u_c, u_s = m.fuse(h_f, h_b, h_s)
    assert u_c.shape == (1, 3 * d + 900)
    assert torch.all(u_c[:, :d] == 1) and torch.all(u_c[:, d : 2 * d] == 3)  # [h_F, h_S, ...]
    assert torch.all(u_s[:, :d] == 1) and torch.all(u_s[:, d : 2 * d] == 2)  # [h_F, h_B, ...]
    assert torch.all(u_c[:, -d:] == 3)  # h^ = max = h_S
    code = Verifier(VerifierConfig(**TINY, attention="none", layout="code"))
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
    m = Verifier(VerifierConfig(**TINY))
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
    for opts in (dict(fg_input="rgba"), dict(parse_input="onehot")):
        m = Verifier(VerifierConfig(**TINY, **opts))
        assert m(*_batch(s=48))["content"].shape == (3,)  # 48 px inputs resized to 32


def test_pretrained_weights_come_from_a_local_file(tmp_path):
    torch.manual_seed(5)
    src = timm.create_model("test_resnet", pretrained=False, num_classes=0, global_pool="")
    path = tmp_path / "weights.pth"
    torch.save(src.state_dict(), path)
    m = Verifier(VerifierConfig(**TINY, pretrained_path=str(path)))
    for enc in (m.enc_f, m.enc_b, m.enc_s):
        torch.testing.assert_close(enc.state_dict()["conv1.0.weight"], src.state_dict()["conv1.0.weight"])
    with pytest.raises(FileNotFoundError, match="pretrained weights file not found"):
        Verifier(VerifierConfig(**TINY, pretrained_path=str(tmp_path / "missing.pth")))


def test_bad_config_and_inputs():
    with pytest.raises(ValueError, match="attention"):
        VerifierConfig(attention="cross")
    with pytest.raises(ValueError, match="lam"):
        VerifierConfig(lam=1.5)
    with pytest.raises(ValueError, match="unknown verifier options"):
        VerifierConfig.from_dict({"encoder": "resnet18", "depth": 3})
    m = Verifier(VerifierConfig(**TINY))
    fg, bg, parse = _batch()
    with pytest.raises(ValueError, match="fg must be"):
        m(fg[:, :3], bg, parse)
    with pytest.raises(ValueError, match="parse must be"):
        m(fg, bg, parse.float())


def test_shape_table_lists_every_step():
    rows = dict(shape_table(Verifier(VerifierConfig(**TINY))))
    assert rows["U_C"][1] == 3 * rows["shared h^ = max(h_F, h_B, h_S)"][1] + 30
    assert rows["y^s (spatial score)"] == (2,)
