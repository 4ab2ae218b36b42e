#pragma once
// File ▸ Open Text Input…: how a text file becomes ids, as io::readSequences("text:FILE", options) reads it: the
// vocabulary JSON (Tokenizer.word_index or Tokenizer.to_json()), word or character tokens, lowercasing, the side
// shorter lines are padded on, and the id of tokens not in the vocabulary. The dialog only collects the choices; the
// session reads the files.

#include <QDialog>

#include "core/io/sequence_readers.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLineEdit;
class QSpinBox;

namespace rnnscope::app {

class TextInputDialog : public QDialog
{
    Q_OBJECT

public:
    TextInputDialog(const QString& textFile, const io::SequenceOptions& defaults, QWidget* parent = nullptr);

    QString textFile() const { return m_textFile; }
    io::SequenceOptions options() const; // the choices, vocabFile set only when one is given
    void setVocabularyFile(const QString& path);

    QLineEdit* vocabularyEdit() const { return m_vocab; }
    QComboBox* tokensBox() const { return m_tokens; }
    QCheckBox* lowerBox() const { return m_lower; }
    QComboBox* padSideBox() const { return m_padSide; }
    QSpinBox* oovBox() const { return m_oov; } // its minimum, -1, means "no OOV id: unknown tokens are an error"
    QDialogButtonBox* buttons() const { return m_buttons; }

private:
    void updateOk();

    QString m_textFile;
    QLineEdit* m_vocab = nullptr;
    QComboBox* m_tokens = nullptr;
    QCheckBox* m_lower = nullptr;
    QComboBox* m_padSide = nullptr;
    QSpinBox* m_oov = nullptr;
    QDialogButtonBox* m_buttons = nullptr;
};

} // namespace rnnscope::app
