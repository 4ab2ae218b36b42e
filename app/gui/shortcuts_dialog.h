#pragma once
// Help ▸ Keyboard Shortcuts: every action of the window that has a shortcut, read from the actions themselves so
// the list cannot go stale.

#include <QDialog>

namespace rnnscope::app {

class ShortcutsDialog : public QDialog
{
    Q_OBJECT

public:
    explicit ShortcutsDialog(const QList<QAction*>& actions, QWidget* parent = nullptr);
    int rowCount() const;

private:
    int m_rows = 0;
};

} // namespace rnnscope::app
