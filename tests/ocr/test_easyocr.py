"""EasyOCR with its real English weights (from the gpu extra's weights package), on the CPU."""

import cv2
import numpy as np
import pytest
from django.core.management import CommandError, call_command

from ocr.labels import render_label
from ocr.management.commands.install_models import install_easyocr, packaged_easyocr_weights
from ocr.pipeline import ReadConfig, read_image
from ocr.pipeline.text import EasyOcrEngine, EngineUnavailable


@pytest.fixture(scope="module")
def easyocr_models(tmp_path_factory):
    root = tmp_path_factory.mktemp("models")
    install_easyocr(packaged_easyocr_weights(), root / "easyocr")
    return root


def test_install_models_puts_checked_weights_in_models_dir(settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    call_command("install_models", "easyocr")
    assert sorted(p.name for p in (tmp_path / "easyocr").iterdir()) == ["craft_mlt_25k.pth", "english_g2.pth"]
    call_command("install_models", "easyocr")  # again: nothing copied, nothing broken


def test_install_models_refuses_a_source_that_is_not_easyocrs(settings, tmp_path):
    settings.MODELS_DIR = tmp_path / "models"
    source = tmp_path / "source"
    source.mkdir()
    (source / "craft_mlt_25k.pth").write_bytes(b"not a model")
    (source / "english_g2.pth").write_bytes(b"not a model")
    with pytest.raises(CommandError, match="MD5"):
        call_command("install_models", "easyocr", "--source", str(source))
    assert not (tmp_path / "models" / "easyocr").exists()


def test_a_damaged_weight_file_is_refused_before_loading(easyocr_models, tmp_path):
    damaged = tmp_path / "easyocr"
    damaged.mkdir()
    for path in (easyocr_models / "easyocr").iterdir():
        (damaged / path.name).write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(EngineUnavailable, match="damaged or not EasyOCR's"):
        EasyOcrEngine(str(tmp_path))


def test_easyocr_reads_a_label_with_its_real_weights(easyocr_models):
    label = cv2.cvtColor(np.asarray(render_label(["LOT A1234", "EXP 2028-03"])), cv2.COLOR_RGB2BGR)
    result = read_image(
        label, ReadConfig(engine="easyocr", model_dir=str(easyocr_models), read_codes=False, retry_text=False)
    )
    assert result.engine == "easyocr" and result.engine_version == "1.7.2"
    assert {f.name: f.value for f in result.fields} == {"lot": "A1234", "expiry": "2028-03"}
