#include "text_input_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>

namespace rnnscope::app {

TextInputDialog::TextInputDialog(const QString& textFile, const io::SequenceOptions& defaults, QWidget* parent)
    : QDialog(parent)
    , m_textFile(textFile)
{
    setWindowTitle(tr("Open Text Input"));
    setObjectName(QStringLiteral("textInputDialog"));
    auto* form = new QFormLayout(this);
    form->addRow(tr("Text:"), new QLabel(QFileInfo(textFile).fileName(), this));

    auto* vocabRow = new QHBoxLayout;
    m_vocab = new QLineEdit(this);
    m_vocab->setObjectName(QStringLiteral("vocabulary"));
    m_vocab->setPlaceholderText(tr("token → id JSON (Tokenizer.word_index or to_json())"));
    if (defaults.vocabFile) {
        m_vocab->setText(QString::fromStdString(*defaults.vocabFile));
    }
    auto* browse = new QPushButton(tr("&Browse…"), this);
    vocabRow->addWidget(m_vocab, 1);
    vocabRow->addWidget(browse);
    form->addRow(tr("&Vocabulary:"), vocabRow);

    m_tokens = new QComboBox(this);
    m_tokens->setObjectName(QStringLiteral("tokens"));
    m_tokens->addItem(tr("Words (whitespace-separated)"), static_cast<int>(io::TokenMode::Words));
    m_tokens->addItem(tr("Characters"), static_cast<int>(io::TokenMode::Chars));
    m_tokens->setCurrentIndex(m_tokens->findData(static_cast<int>(defaults.tokens)));
    form->addRow(tr("&Tokens:"), m_tokens);

    m_lower = new QCheckBox(tr("&Lowercase the text first"), this);
    m_lower->setObjectName(QStringLiteral("lower"));
    m_lower->setChecked(defaults.lower);
    form->addRow(QString(), m_lower);

    m_padSide = new QComboBox(this);
    m_padSide->setObjectName(QStringLiteral("padSide"));
    m_padSide->addItem(tr("Front (pad_sequences's default)"), static_cast<int>(io::PadSide::Pre));
    m_padSide->addItem(tr("End"), static_cast<int>(io::PadSide::Post));
    m_padSide->setCurrentIndex(defaults.padSide == io::PadSide::Post ? 1 : 0);
    form->addRow(tr("&Pad short lines at:"), m_padSide);

    m_oov = new QSpinBox(this);
    m_oov->setObjectName(QStringLiteral("oovId"));
    m_oov->setRange(-1, 1 << 30);
    m_oov->setSpecialValueText(tr("none: unknown tokens are an error"));
    m_oov->setValue(defaults.oovId ? static_cast<int>(*defaults.oovId) : -1);
    form->addRow(tr("&OOV id:"), m_oov);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(m_buttons);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Vocabulary"),
            QFileInfo(m_vocab->text().isEmpty() ? m_textFile : m_vocab->text()).absolutePath(),
            tr("JSON (*.json);;All files (*)"));
        if (!path.isEmpty()) {
            setVocabularyFile(path);
        }
    });
    connect(m_vocab, &QLineEdit::textChanged, this, &TextInputDialog::updateOk);
    updateOk();
}

void TextInputDialog::setVocabularyFile(const QString& path)
{
    m_vocab->setText(path);
}

void TextInputDialog::updateOk()
{
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!m_vocab->text().trimmed().isEmpty());
}

io::SequenceOptions TextInputDialog::options() const
{
    io::SequenceOptions o;
    const QString vocab = m_vocab->text().trimmed();
    if (!vocab.isEmpty()) {
        o.vocabFile = vocab.toStdString();
    }
    o.tokens = static_cast<io::TokenMode>(m_tokens->currentData().toInt());
    o.lower = m_lower->isChecked();
    o.padSide = static_cast<io::PadSide>(m_padSide->currentData().toInt());
    if (m_oov->value() >= 0) {
        o.oovId = m_oov->value();
    }
    return o;
}

} // namespace rnnscope::app
