"""Forms show only the fields that apply: the CT form hides the autoencoder's fields for the
residual model (and the reverse), the noise level of the noise not chosen; the GIF form hides the
synthetic-gradient learning rate in BPTT mode; the recurrent form hides the length for row digits."""

from lab.experiments.ct.experiment import CTExperiment
from lab.experiments.gif.experiment import GIFExperiment
from lab.experiments.recurrent import RecurrentExperiment
from widgets.form import ConfigForm


def shown(form, name):
    return form._layout.isRowVisible(form.widget(name))


def test_ct_form_follows_the_model_and_the_noise(qtbot):
    form = ConfigForm(CTExperiment.Config)
    qtbot.addWidget(form)
    form.set_config(CTExperiment.preset_config("default"))
    assert shown(form, "depth") and shown(form, "lr") and not shown(form, "ae_size") and not shown(form, "enc_lr")
    assert shown(form, "sigma_hu") and not shown(form, "dose") and shown(form, "batch_size")
    form.widget("model").setCurrentText("autoencoder")
    assert shown(form, "ae_size") and shown(form, "dec_lr") and not shown(form, "depth") and not shown(form, "lr")
    form.widget("noise").setCurrentText("low-dose")
    assert shown(form, "dose") and not shown(form, "sigma_hu")
    assert form.values()["depth"] == 6          # a hidden field keeps its value


def test_gif_and_recurrent_forms(qtbot):
    form = ConfigForm(GIFExperiment.Config)
    qtbot.addWidget(form)
    form.set_config(GIFExperiment.preset_config("default"))
    assert not shown(form, "sg_lr")
    form.widget("mode").setCurrentText("dni")
    assert shown(form, "sg_lr")
    rec = ConfigForm(RecurrentExperiment.Config)
    qtbot.addWidget(rec)
    rec.set_config(RecurrentExperiment.preset_config("row-digits"))
    assert not shown(rec, "length") and shown(rec, "n_train") and shown(rec, "data")
    rec.set_config(RecurrentExperiment.preset_config("adding"))
    assert shown(rec, "length") and not shown(rec, "n_train")
