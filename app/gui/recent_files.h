#pragma once
// File ▸ Open Recent: the last models opened, kept in QSettings ("recentFiles"), newest first.

#include <QObject>
#include <QStringList>

class QMenu;

namespace rnnscope::app {

class RecentFiles : public QObject
{
    Q_OBJECT

public:
    explicit RecentFiles(QMenu* menu, QObject* parent = nullptr);
    void add(const QString& path);
    QStringList files() const;

signals:
    void openRequested(const QString& path);

private:
    void rebuild();
    QMenu* m_menu;
};

} // namespace rnnscope::app
