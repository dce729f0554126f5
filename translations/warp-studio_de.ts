<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../widgets/window/about_dialog.cpp" line="+16"/>
        <source>A workbench for Weight Averaged Rewarded Policies: fine-tune, reward, train, merge and evaluate small GPT-2 policies, and follow their runs live.</source>
        <translation>Eine Werkbank für Weight Averaged Rewarded Policies: kleine GPT-2-Policies feinabstimmen, belohnen, trainieren, zusammenführen und bewerten und ihre Läufe live verfolgen.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>LibTorch</source>
        <translation>LibTorch</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Qt</source>
        <translation>Qt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>HDF5</source>
        <translation>HDF5</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SQLite</source>
        <translation>SQLite</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>About WARP Studio</source>
        <translation>Über WARP Studio</translation>
    </message>
</context>
<context>
    <name>KlRewardPlane</name>
    <message>
        <location filename="../widgets/plot/kl_reward_plane.cpp" line="+55"/>
        <source>Image size</source>
        <translation>Bildgröße</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> px</source>
        <translation> px</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Width:</source>
        <translation>Breite:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Height:</source>
        <translation>Höhe:</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>y axis:</source>
        <translation>y-Achse:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>learned reward r</source>
        <translation>gelernte Belohnung r</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+73"/>
        <source>gold reward</source>
        <translation>Gold-Belohnung</translation>
    </message>
    <message>
        <location line="-71"/>
        <source>The reward RL optimised (r) or the gold reward of the same completions: their gap shows reward hacking</source>
        <translation>Die von RL optimierte Belohnung (r) oder die Gold-Belohnung derselben Vervollständigungen: ihr Abstand zeigt Reward Hacking</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Export plot…</source>
        <translation>Diagramm exportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the plane as PNG, PDF or SVG at a chosen size, or its points as CSV</source>
        <translation>Die Ebene als PNG, PDF oder SVG in wählbarer Größe speichern, oder ihre Punkte als CSV</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>KL(π ‖ π_sft), sequence</source>
        <translation>KL(π ‖ π_sft), Sequenz</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KL(π ‖ π_sft), sequence, at τ = %1</source>
        <translation>KL(π ‖ π_sft), Sequenz, bei τ = %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>KL-reward plane</source>
        <translation>KL-Belohnungs-Ebene</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>reward r</source>
        <translation>Belohnung r</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>RL trajectories (eval/*), WARP fronts per iteration (front/eta&lt;η&gt;/*), Algorithm 1&apos;s output front (output/eta&lt;η&gt;/*) and merged points, on the fixed evaluation prompts.</source>
        <translation>RL-Trajektorien (eval/*), WARP-Fronten je Iteration (front/eta&lt;η&gt;/*), die Ausgabefront von Algorithmus 1 (output/eta&lt;η&gt;/*) und zusammengeführte Punkte, auf den festen Bewertungs-Prompts.</translation>
    </message>
    <message>
        <location line="+83"/>
        <source>reward r: %1</source>
        <translation>Belohnung r: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>gold reward: %1</source>
        <translation>Gold-Belohnung: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KL to θ_sft: %1</source>
        <translation>KL zu θ_sft: %1</translation>
    </message>
    <message>
        <location line="+175"/>
        <source>Export the KL-reward plane</source>
        <translation>KL-Belohnungs-Ebene exportieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG image (*.png);;PDF document (*.pdf);;SVG image (*.svg);;CSV of the points (*.csv)</source>
        <translation>PNG-Bild (*.png);;PDF-Dokument (*.pdf);;SVG-Bild (*.svg);;CSV der Punkte (*.csv)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>LaunchOption</name>
    <message>
        <location filename="../widgets/window/run_launcher.cpp" line="+141"/>
        <location line="+45"/>
        <source>&amp;Init checkpoint:</source>
        <translation>&amp;Start-Checkpoint:</translation>
    </message>
    <message>
        <location line="-43"/>
        <location line="+45"/>
        <source>Settings &amp;file (JSON):</source>
        <translation>Einstellungs&amp;datei (JSON):</translation>
    </message>
    <message>
        <location line="-44"/>
        <location line="+45"/>
        <source>S&amp;eed:</source>
        <translation>S&amp;eed:</translation>
    </message>
    <message>
        <location line="-43"/>
        <source>&amp;Prompt seed:</source>
        <translation>&amp;Prompt-Seed:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Anchor:</source>
        <translation>&amp;Anker:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;β (KL strength):</source>
        <translation>&amp;β (KL-Stärke):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;μ (EMA rate):</source>
        <translation>&amp;μ (EMA-Rate):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Steps:</source>
        <translation>&amp;Schritte:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>B&amp;atch (prompts per step):</source>
        <translation>B&amp;atch (Prompts je Schritt):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Samples per &amp;prompt:</source>
        <translation>Stichproben je &amp;Prompt:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Learning rate:</source>
        <translation>&amp;Lernrate:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Warmup steps:</source>
        <translation>&amp;Aufwärmschritte:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Weight decay:</source>
        <translation>&amp;Gewichtsabnahme:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>AdamW β&amp;1:</source>
        <translation>AdamW-β&amp;1:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>AdamW β&amp;2:</source>
        <translation>AdamW-β&amp;2:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Gradient clip (0: off):</source>
        <translation>&amp;Gradientenbegrenzung (0: aus):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Temperature τ:</source>
        <translation>&amp;Temperatur τ:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Max &amp;new tokens:</source>
        <translation>Max. &amp;neue Tokens:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Base&amp;line:</source>
        <translation>Base&amp;line:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Reward:</source>
        <translation>&amp;Belohnung:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Evaluate every (steps):</source>
        <translation>&amp;Auswerten alle (Schritte):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Evaluation &amp;prompts (0: protocol&apos;s):</source>
        <translation>Auswertungs-&amp;Prompts (0: laut Protokoll):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Checkpoint every (steps):</source>
        <translation>&amp;Checkpoint alle (Schritte):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Threads:</source>
        <translation>&amp;Threads:</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+43"/>
        <source>&amp;Device:</source>
        <translation>&amp;Gerät:</translation>
    </message>
    <message>
        <location line="-29"/>
        <source>&amp;Iterations I:</source>
        <translation>&amp;Iterationen I:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Runs M per iteration:</source>
        <translation>&amp;Läufe M je Iteration:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Steps T per run (0: RL&apos;s):</source>
        <translation>&amp;Schritte T je Lauf (0: aus RL):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP &amp;λ:</source>
        <translation>SLERP-&amp;λ:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>SLERP &amp;granularity:</source>
        <translation>SLERP-&amp;Granularität:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>LITI &amp;η of the next init:</source>
        <translation>LITI-&amp;η der nächsten Initialisierung:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>η &amp;grid (comma-separated):</source>
        <translation>η-&amp;Raster (kommagetrennt):</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Runs in &amp;parallel (0: all):</source>
        <translation>&amp;Parallele Läufe (0: alle):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Threads per run:</source>
        <translation>&amp;Threads je Lauf:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Launcher:</source>
        <translation>&amp;Starter:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm partition:</source>
        <translation>Slurm-Partition:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm account:</source>
        <translation>Slurm-Konto:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm time limit:</source>
        <translation>Slurm-Zeitlimit:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm CPUs per task:</source>
        <translation>Slurm-CPUs je Task:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm GPUs per task:</source>
        <translation>Slurm-GPUs je Task:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm memory:</source>
        <translation>Slurm-Speicher:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm SIGTERM before the time limit (s):</source>
        <translation>Slurm-SIGTERM vor dem Zeitlimit (s):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>More sbatch arguments:</source>
        <translation>Weitere sbatch-Argumente:</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>RL</source>
        <translation>RL</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>WARP</source>
        <translation>WARP</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Evaluation</source>
        <translation>Auswertung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Resources</source>
        <translation>Ressourcen</translation>
    </message>
</context>
<context>
    <name>LogTailPanel</name>
    <message>
        <location filename="../widgets/panels/log_tail_panel.cpp" line="+39"/>
        <source>Select a run to follow its log.</source>
        <translation>Wählen Sie einen Lauf, um sein Protokoll zu verfolgen.</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 does not exist (yet): runs started from the app write their output there.</source>
        <translation>%1 existiert (noch) nicht: aus der App gestartete Läufe schreiben ihre Ausgabe dorthin.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../widgets/window/main_window.cpp" line="+75"/>
        <source>WARP Studio</source>
        <translation>WARP Studio</translation>
    </message>
    <message>
        <location line="+36"/>
        <source>Filter runs: name, kind, tag, note</source>
        <translation>Läufe filtern: Name, Art, Tag, Notiz</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs whose name, kind, tags or note contain every word typed (any case)</source>
        <translation>Läufe, deren Name, Art, Tags oder Notiz jedes eingegebene Wort enthalten (Groß-/Kleinschreibung egal)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Show the runs of one status only</source>
        <translation>Nur die Läufe eines Status zeigen</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Metrics</source>
        <translation>Metriken</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pareto</source>
        <translation>Pareto-Front</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Merge</source>
        <translation>Zusammenführen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open Experiment…</source>
        <translation>Experiment ö&amp;ffnen…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;Recent</source>
        <translation>Zu&amp;letzt geöffnet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Re&amp;fresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Runs</source>
        <translation>&amp;Läufe</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;New RL run…</source>
        <translation>&amp;Neuer RL-Lauf…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run &amp;WARP…</source>
        <translation>&amp;WARP ausführen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Stop selected</source>
        <translation>Auswahl &amp;stoppen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Resume selected</source>
        <translation>Auswahl &amp;fortsetzen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Duplicate with changes…</source>
        <translation>Mit Änderungen &amp;duplizieren…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Notes and &amp;tags…</source>
        <translation>Notizen und &amp;Tags…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Filter runs</source>
        <translation>Läufe f&amp;iltern</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Settings</source>
        <translation>&amp;Einstellungen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Preferences…</source>
        <translation>&amp;Voreinstellungen…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About WARP Studio</source>
        <translation>Ü&amp;ber WARP Studio</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+298"/>
        <source>No experiment open</source>
        <translation>Kein Experiment geöffnet</translation>
    </message>
    <message>
        <location line="-274"/>
        <source>Reading the database failed (retrying): %1</source>
        <translation>Lesen der Datenbank fehlgeschlagen (neuer Versuch folgt): %1</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>Reading the evaluation settings failed: %1</source>
        <translation>Lesen der Bewertungseinstellungen fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 — WARP Studio</source>
        <translation>%1 — WARP Studio</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Cannot open the experiment</source>
        <translation>Das Experiment kann nicht geöffnet werden</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Open Experiment</source>
        <translation>Experiment öffnen</translation>
    </message>
    <message>
        <location line="+93"/>
        <source>1 run</source>
        <translation>1 Lauf</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 runs</source>
        <translation>%1 Läufe</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · %1 metric rows</source>
        <translation> · %1 Metrikzeilen</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No experiment open: File &gt; Open Experiment… (Ctrl+O).</source>
        <translation>Kein Experiment geöffnet: Datei &gt; Experiment öffnen… (Strg+O).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No runs in this experiment yet. Start one with Runs &gt; New RL run… or Runs &gt; Run WARP…; runs started from a terminal appear here as they start too, e.g. warp sft --exp %1, then warp train --exp %1 --name ema-1 or warp run --exp %1; their curves follow live.</source>
        <translation>Noch keine Läufe in diesem Experiment. Starten Sie einen mit Läufe &gt; Neuer RL-Lauf… oder Läufe &gt; WARP ausführen…; in einem Terminal gestartete Läufe erscheinen hier ebenfalls, sobald sie beginnen, z. B. warp sft --exp %1, dann warp train --exp %1 --name ema-1 oder warp run --exp %1; ihre Kurven folgen live.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Select runs in the list to plot their metrics (Ctrl+click for several).</source>
        <translation>Wählen Sie Läufe in der Liste, um ihre Metriken zu zeichnen (Strg+Klick für mehrere).</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Open Recent</source>
        <translation>Zuletzt geöffnet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 no longer exists; it was removed from the recent experiments.</source>
        <translation>%1 existiert nicht mehr; es wurde aus den zuletzt geöffneten Experimenten entfernt.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>No recent experiments</source>
        <translation>Keine zuletzt geöffneten Experimente</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Clear Menu</source>
        <translation>Menü &amp;leeren</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Start a `warp train` run in this experiment</source>
        <translation>Einen `warp train`-Lauf in diesem Experiment starten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start the WARP driver (`warp run`) in this experiment</source>
        <translation>Den WARP-Treiber (`warp run`) in diesem Experiment starten</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Select running runs of this host to stop them</source>
        <translation>Laufende Läufe dieses Rechners auswählen, um sie zu stoppen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select killed or crashed runs to resume them</source>
        <translation>Abgebrochene oder abgestürzte Läufe auswählen, um sie fortzusetzen</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+2"/>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Open the run&apos;s launch dialog filled with its settings, under a new name</source>
        <translation>Den Startdialog des Laufs mit seinen Einstellungen unter einem neuen Namen öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select one train or warp run to duplicate it</source>
        <translation>Einen train- oder warp-Lauf auswählen, um ihn zu duplizieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send SIGTERM: the run checkpoints and ends killed (resumable)</source>
        <translation>SIGTERM senden: der Lauf schreibt einen Checkpoint und endet als abgebrochen (fortsetzbar)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue from the last resumable checkpoint</source>
        <translation>Ab dem letzten fortsetzbaren Checkpoint weitermachen</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Edit the selected run&apos;s note and tags (stored in the experiment database)</source>
        <translation>Notiz und Tags des ausgewählten Laufs bearbeiten (in der Experimentdatenbank gespeichert)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select one run to edit its note and tags</source>
        <translation>Einen Lauf auswählen, um seine Notiz und Tags zu bearbeiten</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Started %1 (pid %2); output in %3</source>
        <translation>%1 gestartet (PID %2); Ausgabe in %3</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>The run did not start</source>
        <translation>Der Lauf ist nicht gestartet</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>warp ended without starting %1. The end of %2:

%3</source>
        <translation>warp endete, ohne %1 zu starten. Das Ende von %2:

%3</translation>
    </message>
    <message>
        <location line="+18"/>
        <location line="+11"/>
        <location line="+29"/>
        <source>Cannot start the run</source>
        <translation>Der Lauf kann nicht gestartet werden</translation>
    </message>
    <message>
        <location line="-14"/>
        <source>Duplicate %1 with changes</source>
        <translation>%1 mit Änderungen duplizieren</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Stop the WARP driver?</source>
        <translation>Den WARP-Treiber anhalten?</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is one of the runs of WARP driver %2. Stopped alone it would end the driver&apos;s iteration as failed.

Stop the driver %2 instead? Each of its runs writes a checkpoint and ends; Resume on %2 continues from there.</source>
        <translation>%1 ist einer der Läufe des WARP-Treibers %2. Allein angehalten, würde er die Iteration des Treibers als fehlgeschlagen beenden.

Stattdessen den Treiber %2 anhalten? Jeder seiner Läufe schreibt einen Checkpoint und endet; „Fortsetzen“ auf %2 macht dort weiter.</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Stopping %1: each checkpoints and ends killed</source>
        <translation>Stoppe %1: jeder schreibt einen Checkpoint und endet als abgebrochen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cannot stop</source>
        <translation>Stoppen nicht möglich</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Run a reward command?</source>
        <translation>Einen Belohnungsbefehl ausführen?</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resuming %1 runs this reward command from the experiment&apos;s database (the run was recorded on host %2):

%3

Run it only if you trust where this experiment comes from. Resume %1?</source>
        <translation>Das Fortsetzen von %1 führt diesen Belohnungsbefehl aus der Datenbank des Experiments aus (der Lauf wurde auf dem Host %2 aufgezeichnet):

%3

Führen Sie ihn nur aus, wenn Sie der Herkunft dieses Experiments vertrauen. %1 fortsetzen?</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Cannot resume</source>
        <translation>Fortsetzen nicht möglich</translation>
    </message>
</context>
<context>
    <name>MergePanel</name>
    <message>
        <location filename="../widgets/merge/merge_panel.cpp" line="+86"/>
        <source>Inputs</source>
        <translation>Eingaben</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A WARP iteration</source>
        <translation>Eine WARP-Iteration</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finished RL runs</source>
        <translation>Beendete RL-Läufe</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checkpoint files</source>
        <translation>Checkpoint-Dateien</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What to merge: the M policies of a WARP driver&apos;s iteration with its θ_init, finished train runs that started from one init, or files from disk</source>
        <translation>Was zusammengeführt wird: die M Policies einer Iteration eines WARP-Treibers mit ihrem θ_init, beendete Trainingsläufe mit gemeinsamer Initialisierung oder Dateien von der Festplatte</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Check two or more finished train runs that started from the same init</source>
        <translation>Zwei oder mehr beendete Trainingsläufe mit derselben Initialisierung ankreuzen</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>θ_init checkpoint (.h5)</source>
        <translation>θ_init-Checkpoint (.h5)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>θ_init…</source>
        <translation>θ_init…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The M &gt;= 2 policies to merge (warp checkpoints)</source>
        <translation>Die M &gt;= 2 zusammenzuführenden Policies (warp-Checkpoints)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add models…</source>
        <translation>Modelle hinzufügen…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open inputs</source>
        <translation>Eingaben öffnen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Load θ_init and the M policies into memory and measure their task vectors</source>
        <translation>θ_init und die M Policies in den Speicher laden und ihre Aufgabenvektoren messen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refresh lists</source>
        <translation>Listen aktualisieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read the experiment&apos;s iterations and finished runs again</source>
        <translation>Die Iterationen und beendeten Läufe des Experiments neu einlesen</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+273"/>
        <source>No inputs open.</source>
        <translation>Keine Eingaben geöffnet.</translation>
    </message>
    <message>
        <location line="-264"/>
        <source>Recipe</source>
        <translation>Rezept</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>SLERP</source>
        <translation>SLERP</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>LERP</source>
        <translation>LERP</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP of the task vectors (DESIGN §5 stage 2), or linear interpolation</source>
        <translation>SLERP der Aufgabenvektoren (DESIGN §5 Stufe 2) oder lineare Interpolation</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Method:</source>
        <translation>Methode:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>per tensor</source>
        <translation>je Tensor</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>per layer</source>
        <translation>je Schicht</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Where SLERP takes its angle Ω: per tensor, or one Ω per layer group (a transformer block, the embeddings, the final norm) over its concatenated task vectors, as the paper&apos;s &quot;layer by layer&quot; (warp merge --granularity)</source>
        <translation>Wo SLERP seinen Winkel Ω nimmt: je Tensor, oder ein Ω je Schichtgruppe (ein Transformer-Block, die Einbettungen, die letzte Normierung) über ihre aneinandergehängten Aufgabenvektoren, wie das „layer by layer“ des Papers (warp merge --granularity)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>SLERP Ω:</source>
        <translation>SLERP-Ω:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>λ:</source>
        <translation>λ:</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>LITI: θ = (1 − η)·θ_anchor + η·θ_merge</source>
        <translation>LITI: θ = (1 − η)·θ_anchor + η·θ_merge</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>η:</source>
        <translation>η:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>toward θ_init (iteration front)</source>
        <translation>in Richtung θ_init (Iterationsfront)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>toward θ_sft (Algorithm 1 output)</source>
        <translation>in Richtung θ_sft (Ausgabe von Algorithmus 1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>η mode:</source>
        <translation>η-Modus:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Points</source>
        <translation>Punkte</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Evaluate</source>
        <translation>Bewerten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Merge and evaluate the recipe above (moving λ or η does it too)</source>
        <translation>Das Rezept oben zusammenführen und bewerten (auch durch Verschieben von λ oder η)</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+628"/>
        <source>Sweep</source>
        <translation>Durchlauf</translation>
    </message>
    <message>
        <location line="-626"/>
        <source>Evaluate the whole η grid (0..1 by 0.05), and the λ grid for M = 2, in the background; dragging afterwards shows cached points at once</source>
        <translation>Das ganze η-Raster (0..1 in Schritten von 0,05) und für M = 2 das λ-Raster im Hintergrund bewerten; danach zeigt Ziehen die zwischengespeicherten Punkte sofort</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Export checkpoint…</source>
        <translation>Checkpoint exportieren…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write the current recipe&apos;s policy as a warp checkpoint (.h5)</source>
        <translation>Die Policy des aktuellen Rezepts als warp-Checkpoint (.h5) schreiben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Hugging Face…</source>
        <translation>Als Hugging Face exportieren…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Write the current recipe&apos;s policy as a Hugging Face GPT-2 folder (model.safetensors, config.json, tokenizer)</source>
        <translation>Die Policy des aktuellen Rezepts als Hugging-Face-GPT-2-Ordner schreiben (model.safetensors, config.json, Tokenizer)</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Samples</source>
        <translation>Stichproben</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ω per tensor</source>
        <translation>Ω je Tensor</translation>
    </message>
    <message>
        <location line="+120"/>
        <location line="+248"/>
        <source>ready</source>
        <translation>bereit</translation>
    </message>
    <message>
        <location line="-241"/>
        <source>Sweep done: %1 points evaluated, the rest were cached.</source>
        <translation>Durchlauf fertig: %1 Punkte bewertet, der Rest war zwischengespeichert.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>exporting (%1): %p%</source>
        <translation>exportiere (%1): %p%</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported %1</source>
        <translation>%1 exportiert</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Export failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
    <message>
        <location line="+89"/>
        <source>%1 · iteration %2 (M = %3)%4</source>
        <translation>%1 · Iteration %2 (M = %3)%4</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>, not finished</source>
        <translation>, nicht beendet</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A worker of this iteration has not finished yet</source>
        <translation>Ein Worker dieser Iteration ist noch nicht fertig</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>(no WARP iteration in this experiment yet)</source>
        <translation>(noch keine WARP-Iteration in diesem Experiment)</translation>
    </message>
    <message>
        <location line="+60"/>
        <source>Choose a WARP iteration: this experiment has none yet (Runs &gt; Run WARP…).</source>
        <translation>Wählen Sie eine WARP-Iteration: dieses Experiment hat noch keine (Läufe &gt; WARP ausführen…).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Check at least two finished runs to merge.</source>
        <translation>Mindestens zwei beendete Läufe zum Zusammenführen ankreuzen.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Opening %1…</source>
        <translation>Öffne %1…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 iteration %2</source>
        <translation>%1 Iteration %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the inputs</source>
        <translation>die Eingaben</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Open: %1 (M = %2, %3 evaluation prompts, τ = %4)</source>
        <translation>Geöffnet: %1 (M = %2, %3 Bewertungs-Prompts, τ = %4)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Move λ or η, or press Evaluate, to merge and evaluate a point.</source>
        <translation>Verschieben Sie λ oder η oder drücken Sie Bewerten, um einen Punkt zusammenzuführen und zu bewerten.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 points of these inputs were evaluated before: they are on the plane.</source>
        <translation>%1 Punkte dieser Eingaben wurden bereits bewertet: sie sind in der Ebene.</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Sweep: %1 recipes (%2)…</source>
        <translation>Durchlauf: %1 Rezepte (%2)…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Sweep: %1 new points (%2)</source>
        <translation>Durchlauf: %1 neue Punkte (%2)</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>estimate: %1 of %2 prompts</source>
        <translation>Schätzung: %1 von %2 Prompts</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1… first estimate from %2 of %3 prompts: reward %4, gold %5, KL %6</source>
        <translation>%1… erste Schätzung aus %2 von %3 Prompts: Belohnung %4, Gold %5, KL %6</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>merging</source>
        <translation>führe zusammen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>evaluating</source>
        <translation>bewerte</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loading</source>
        <translation>lade</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: %p%</source>
        <translation>%1: %p%</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Samples of %1%2</source>
        <translation>Stichproben von %1%2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>, beside θ_sft&apos;s for the same prompts and seeds</source>
        <translation>, neben denen von θ_sft für dieselben Prompts und Seeds</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> (θ_sft&apos;s column follows once it is evaluated)</source>
        <translation> (die Spalte von θ_sft folgt, sobald es bewertet ist)</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Samples of θ_sft (the reference of every point: the same prompts and seeds)</source>
        <translation>Stichproben von θ_sft (die Referenz jedes Punktes: dieselben Prompts und Seeds)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Samples are kept for merged points; this point comes from the metrics of a run.</source>
        <translation>Stichproben werden für zusammengeführte Punkte aufbewahrt; dieser Punkt stammt aus den Metriken eines Laufs.</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>SLERP/LERP weight of the second policy: θ_init + (1−λ)·δ1 + λ·δ2 for LERP</source>
        <translation>SLERP/LERP-Gewicht der zweiten Policy: θ_init + (1−λ)·δ1 + λ·δ2 für LERP</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>For M &gt; 2, Eq. 26 folds SLERP left with λ = 1/m (LERP: uniform 1/M); λ is not used</source>
        <translation>Für M &gt; 2 faltet Gl. 26 SLERP von links mit λ = 1/m (LERP: gleichmäßig 1/M); λ wird nicht verwendet</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancel sweep</source>
        <translation>Durchlauf abbrechen</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>merged points</source>
        <translation>zusammengeführte Punkte</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>θ_sft</source>
        <translation>θ_sft</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>θ_init checkpoint</source>
        <translation>θ_init-Checkpoint</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+7"/>
        <source>warp checkpoints (*.h5);;All files (*)</source>
        <translation>warp-Checkpoints (*.h5);;Alle Dateien (*)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Policies to merge</source>
        <translation>Zusammenzuführende Policies</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+8"/>
        <source>Exporting %1 to %2…</source>
        <translation>Exportiere %1 nach %2…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Export the merged policy</source>
        <translation>Die zusammengeführte Policy exportieren</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>warp checkpoint (*.h5)</source>
        <translation>warp-Checkpoint (*.h5)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export as a Hugging Face folder (a new folder)</source>
        <translation>Als Hugging-Face-Ordner exportieren (ein neuer Ordner)</translation>
    </message>
</context>
<context>
    <name>MergeWorker</name>
    <message>
        <location filename="../widgets/merge/merge_worker.cpp" line="+81"/>
        <source>θ_init: %1</source>
        <translation>θ_init: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>models: %1</source>
        <translation>Modelle: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>from the cache (evaluated before)</source>
        <translation>aus dem Cache (früher ausgewertet)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>merged in %1 s, evaluated in %2 s</source>
        <translation>in %1 s zusammengeführt, in %2 s ausgewertet</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>SLERP per layer</source>
        <translation>SLERP je Schicht</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>LERP (uniform 1/M)</source>
        <translation>LERP (gleichmäßig 1/M)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP per layer (Eq. 26, λ = 1/m)</source>
        <translation>SLERP je Schicht (Gl. 26, λ = 1/m)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP (Eq. 26, λ = 1/m)</source>
        <translation>SLERP (Gl. 26, λ = 1/m)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 → LITI η %2 toward %3</source>
        <translation>%1 → LITI η %2 in Richtung %3</translation>
    </message>
    <message>
        <location line="+122"/>
        <location line="+42"/>
        <location line="+49"/>
        <location line="+18"/>
        <source>no merge inputs are open</source>
        <translation>keine Eingaben zum Zusammenführen geöffnet</translation>
    </message>
    <message>
        <location line="-28"/>
        <source>θ_sft (the reference: the same prompts and seeds)</source>
        <translation>θ_sft (die Referenz: dieselben Prompts und Seeds)</translation>
    </message>
</context>
<context>
    <name>MetricsPanel</name>
    <message>
        <location filename="../widgets/panels/metrics_panel.cpp" line="+33"/>
        <source>Reward (reward model)</source>
        <translation>Belohnung (Belohnungsmodell)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gold reward</source>
        <translation>Gold-Belohnung</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KL to anchor</source>
        <translation>KL zum Anker</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KL to SFT</source>
        <translation>KL zu SFT</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Eval reward (fixed prompts)</source>
        <translation>Bewertungs-Belohnung (feste Prompts)</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+8"/>
        <source>Training loss</source>
        <translation>Trainingsverlust</translation>
    </message>
    <message>
        <location line="-7"/>
        <location line="+9"/>
        <source>Held-out loss</source>
        <translation>Verlust auf zurückgehaltenen Daten</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>Held-out perplexity</source>
        <translation>Perplexität auf zurückgehaltenen Daten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Throughput (tokens/s)</source>
        <translation>Durchsatz (Tokens/s)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning rate</source>
        <translation>Lernrate</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Training pair accuracy</source>
        <translation>Paargenauigkeit im Training</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Held-out pair accuracy</source>
        <translation>Paargenauigkeit auf zurückgehaltenen Paaren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out pair accuracy (gold labels)</source>
        <translation>Paargenauigkeit auf zurückgehaltenen Paaren (Gold-Labels)</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>Select runs in the list to plot their metrics (Ctrl+click for several).</source>
        <translation>Wählen Sie Läufe in der Liste, um ihre Metriken zu zeichnen (Strg+Klick für mehrere).</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Smoothing:</source>
        <translation>Glättung:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Exponential moving average of the curves, debiased at the start (0: raw); the raw curve stays faint behind</source>
        <translation>Exponentielles gleitendes Mittel der Kurven, am Anfang entzerrt (0: roh); die Rohkurve bleibt blass dahinter</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;X axis:</source>
        <translation>&amp;X-Achse:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wall time</source>
        <translation>Verstrichene Zeit</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plot against the step or the wall time since each run&apos;s start (h:mm:ss)</source>
        <translation>Über dem Schritt oder der verstrichenen Zeit seit dem Start jedes Laufs (h:mm:ss) zeichnen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Log y</source>
        <translation>Log. &amp;y</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Logarithmic y axes; values ≤ 0 cannot be drawn on them and are left out</source>
        <translation>Logarithmische y-Achsen; Werte ≤ 0 lassen sich darauf nicht zeichnen und werden ausgelassen</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>Metric:</source>
        <translation>Metrik:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Any metric key the selected runs have written</source>
        <translation>Jeder Metrikschlüssel, den die ausgewählten Läufe geschrieben haben</translation>
    </message>
    <message>
        <location line="+323"/>
        <source>Log scale: %1 values ≤ 0 of %2 are not drawn</source>
        <translation>Log. Skala: %1 Werte ≤ 0 von %2 werden nicht gezeichnet</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>wall time since start (h:mm:ss)</source>
        <translation>Zeit seit dem Start (h:mm:ss)</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>%1 values ≤ 0 not drawn</source>
        <translation>%1 Werte ≤ 0 nicht gezeichnet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The logarithmic scale cannot show values ≤ 0; hover a plot to see how many of its values are left out</source>
        <translation>Die logarithmische Skala kann keine Werte ≤ 0 zeigen; mit der Maus über einem Diagramm steht, wie viele seiner Werte ausgelassen sind</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>step %1</source>
        <translation>Schritt %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>time %1</source>
        <translation>Zeit %1</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>%1 (raw %2)</source>
        <translation>%1 (roh %2)</translation>
    </message>
</context>
<context>
    <name>OmegaChart</name>
    <message>
        <location filename="../widgets/merge/omega_chart.cpp" line="+35"/>
        <source>Per tensor</source>
        <translation>Je Tensor</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Per layer</source>
        <translation>Je Schicht</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ω per tensor, or one Ω per layer group over its concatenated task vectors (the angle a layer SLERP uses)</source>
        <translation>Ω je Tensor, oder ein Ω je Schichtgruppe über ihre aneinandergehängten Aufgabenvektoren (der Winkel, den ein SLERP je Schicht verwendet)</translation>
    </message>
    <message>
        <location line="+17"/>
        <location line="+11"/>
        <source>layer %1</source>
        <translation>Schicht %1</translation>
    </message>
    <message>
        <location line="-8"/>
        <location line="+10"/>
        <source>embeddings</source>
        <translation>Einbettungen</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>other</source>
        <translation>andere</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>%1 (tensors: %2)</source>
        <translation>%1 (Tensoren: %2)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: Ω = %2°</source>
        <translation>%1: Ω = %2°</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: Ω undefined (zero task vector)</source>
        <translation>%1: Ω undefiniert (Aufgabenvektor null)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>; LERP fallback</source>
        <translation>; LERP-Ersatz</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No task vectors measured yet.</source>
        <translation>Noch keine Aufgabenvektoren gemessen.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Ω between the task vectors δ1 and δ2 per layer group (%1 groups, over each group&apos;s concatenated tensors): mean %2°, %3 with LERP fallback</source>
        <translation>Ω zwischen den Aufgabenvektoren δ1 und δ2 je Schichtgruppe (%1 Gruppen, über die aneinandergehängten Tensoren jeder Gruppe): Mittel %2°, %3 mit LERP-Ersatz</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Ω between the task vectors δ1 and δ2 per tensor (%1 tensors): mean %2°, %3 with LERP fallback</source>
        <translation>Ω zwischen den Aufgabenvektoren δ1 und δ2 je Tensor (%1 Tensoren): Mittel %2°, %3 mit LERP-Ersatz</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Ω (degrees)</source>
        <translation>Ω (Grad)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>tensor (θ_init&apos;s order), by layer</source>
        <translation>Tensor (Reihenfolge von θ_init), nach Schicht</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>layer group (θ_init&apos;s order)</source>
        <translation>Schichtgruppe (Reihenfolge von θ_init)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Ω per tensor</source>
        <translation>Ω je Tensor</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Ω per layer</source>
        <translation>Ω je Schicht</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>LERP fallback</source>
        <translation>LERP-Ersatz</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>mean Ω %1°</source>
        <translation>mittleres Ω %1°</translation>
    </message>
</context>
<context>
    <name>ParetoPanel</name>
    <message>
        <location filename="../widgets/panels/pareto_panel.cpp" line="+78"/>
        <source>No runs selected.</source>
        <translation>Keine Läufe ausgewählt.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No evaluated points yet: RL runs log eval/kl_sft and eval/reward on the fixed prompts every eval_every steps; `warp run` logs a front per iteration.</source>
        <translation>Noch keine bewerteten Punkte: RL-Läufe protokollieren eval/kl_sft und eval/reward auf den festen Prompts alle eval_every Schritte; `warp run` protokolliert eine Front je Iteration.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>1 RL trajectory</source>
        <translation>1 RL-Trajektorie</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 RL trajectories</source>
        <translation>%1 RL-Trajektorien</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1 WARP front</source>
        <translation>1 WARP-Front</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 WARP fronts</source>
        <translation>%1 WARP-Fronten</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>1 output front</source>
        <translation>1 Ausgabefront</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 output fronts</source>
        <translation>%1 Ausgabefronten</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> on the fixed evaluation prompts; hover a point for its provenance, the dotted step line is the non-dominated set</source>
        <translation> auf den festen Bewertungs-Prompts; die Maus über einem Punkt zeigt seine Herkunft, die gepunktete Stufenlinie ist die nicht dominierte Menge</translation>
    </message>
</context>
<context>
    <name>PlaneMetrics</name>
    <message>
        <location filename="../widgets/models/plane_metrics.cpp" line="+46"/>
        <source>RL run %1 (%2), step %3</source>
        <translation>RL-Lauf %1 (%2), Schritt %3</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>WARP driver %1: Algorithm 1&apos;s output after iteration %2</source>
        <translation>WARP-Treiber %1: Ausgabe von Algorithmus 1 nach Iteration %2</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>LITI η %1 toward θ_sft of the last SLERP</source>
        <translation>LITI η %1 vom letzten SLERP in Richtung θ_sft</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>WARP driver %1, iteration %2</source>
        <translation>WARP-Treiber %1, Iteration %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP of the iteration&apos;s runs, then LITI η %1 toward its θ_init</source>
        <translation>SLERP der Läufe der Iteration, dann LITI η %1 in Richtung ihres θ_init</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 · output front</source>
        <translation>%1 · Ausgabefront</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 · front, iteration %2</source>
        <translation>%1 · Front, Iteration %2</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <location filename="../widgets/window/preferences_dialog.cpp" line="+16"/>
        <source>Preferences</source>
        <translation>Voreinstellungen</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>System default (%1)</source>
        <translation>Systemvorgabe (%1)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Follow the desktop&apos;s light or dark palette, or force one; plots follow</source>
        <translation>Der hellen oder dunklen Palette des Desktops folgen oder eine erzwingen; die Diagramme folgen</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>warp&apos;s default (all %1 cores)</source>
        <translation>Vorgabe von warp (alle %1 Kerne)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>--threads of runs started from the app; for M runs in parallel on C cores, C / M each</source>
        <translation>--threads der aus der App gestarteten Läufe; für M parallele Läufe auf C Kernen je C / M</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Background (idle CPU time only)</source>
        <translation>Hintergrund (nur freie CPU-Zeit)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Low (nice %1)</source>
        <translation>Niedrig (nice %1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Normal</source>
        <translation>Normal</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The CPU priority of runs started from the app; their workers inherit it. Background (warp --sched-idle): training takes only CPU time nothing else wants, so the window and the Merge tab&apos;s evaluations get the cores at once, and it runs at full speed while they are idle. Low (warp --nice %1): training still gets a share while the app works.</source>
        <translation>Die CPU-Priorität der aus der App gestarteten Läufe; ihre Worker erben sie. Hintergrund (warp --sched-idle): Das Training nimmt nur CPU-Zeit, die sonst niemand braucht, sodass das Fenster und die Auswertungen im Tab „Zusammenführen“ die Kerne sofort bekommen; solange diese ruhen, läuft es mit voller Geschwindigkeit. Niedrig (warp --nice %1): Das Training erhält weiterhin einen Anteil, während die App arbeitet.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Run CPU &amp;priority:</source>
        <translation>CPU-&amp;Priorität der Läufe:</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>Weight of the exponential moving average over the metric curves (0: raw)</source>
        <translation>Gewicht des exponentiellen gleitenden Mittels über den Metrikkurven (0: roh)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Language:</source>
        <translation>&amp;Sprache:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The language changes at the next start.</source>
        <translation>Die Sprache wechselt beim nächsten Start.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Appearance:</source>
        <translation>&amp;Erscheinungsbild:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Threads per run:</source>
        <translation>&amp;Threads je Lauf:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Curve &amp;smoothing:</source>
        <translation>Kurven&amp;glättung:</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <location filename="../widgets/panels/metrics_panel.cpp" line="-551"/>
        <location line="+461"/>
        <source>step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <location filename="../app/studio/main.cpp" line="+109"/>
        <source>Cannot create the demo experiment</source>
        <translation>Das Demo-Experiment kann nicht angelegt werden</translation>
    </message>
</context>
<context>
    <name>RlRunDialog</name>
    <message>
        <location filename="../widgets/window/launch_dialog.cpp" line="+273"/>
        <source>New RL run</source>
        <translation>Neuer RL-Lauf</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. ema-1</source>
        <translation>z. B. ema-1</translation>
    </message>
</context>
<context>
    <name>RunActions</name>
    <message>
        <location filename="../widgets/window/run_launcher.cpp" line="+236"/>
        <source>The run is %1, not running</source>
        <translation>Der Lauf ist %1, er läuft nicht</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The run is on host %1; stop it there</source>
        <translation>Der Lauf ist auf Rechner %1; stoppen Sie ihn dort</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The run has no process recorded yet</source>
        <translation>Für den Lauf ist noch kein Prozess verzeichnet</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Only train and warp runs can be resumed</source>
        <translation>Nur train- und warp-Läufe können fortgesetzt werden</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Only killed or crashed runs can be resumed; this one is %1</source>
        <translation>Nur abgebrochene oder abgestürzte Läufe können fortgesetzt werden; dieser ist %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A run of a WARP driver: resume the driver, it resumes its runs</source>
        <translation>Ein Lauf eines WARP-Treibers: setzen Sie den Treiber fort, er setzt seine Läufe fort</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The run was on host %1; resume it there</source>
        <translation>Der Lauf war auf Rechner %1; setzen Sie ihn dort fort</translation>
    </message>
</context>
<context>
    <name>RunDialog</name>
    <message>
        <location filename="../widgets/window/launch_dialog.cpp" line="-158"/>
        <source>&amp;Name:</source>
        <translation>&amp;Name:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>default (%1)</source>
        <translation>Standard (%1)</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Empty fields take the experiment&apos;s settings (config.json).</source>
        <translation>Leere Felder übernehmen die Einstellungen des Experiments (config.json).</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>none</source>
        <translation>keine</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>rm:checkpoints/rm.h5 if it exists, else gold</source>
        <translation>rm:checkpoints/rm.h5, falls vorhanden, sonst gold</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>default: none</source>
        <translation>Standard: keiner</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>experiment: %1</source>
        <translation>Experiment: %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>default: %1</source>
        <translation>Standard: %1</translation>
    </message>
</context>
<context>
    <name>RunFilterProxy</name>
    <message>
        <location filename="../widgets/models/run_filter_proxy.cpp" line="+45"/>
        <source>Running</source>
        <translation>Laufend</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Finished</source>
        <translation>Beendet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Killed or crashed</source>
        <translation>Abgebrochen oder abgestürzt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Failed or diverged</source>
        <translation>Fehlgeschlagen oder divergiert</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All statuses</source>
        <translation>Alle Status</translation>
    </message>
</context>
<context>
    <name>RunListModel</name>
    <message>
        <location filename="../widgets/models/run_list_model.cpp" line="+257"/>
        <source>job %1</source>
        <translation>Job %1</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>process gone (pid %1), no heartbeat for over %2 s</source>
        <translation>Prozess verschwunden (PID %1), seit über %2 s kein Lebenszeichen</translation>
    </message>
    <message>
        <location line="+29"/>
        <source> ETA %1</source>
        <translation> Rest %1</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>pid %1 on %2</source>
        <translation>PID %1 auf %2</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Iter.</source>
        <translation>Iter.</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Elapsed</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tags</source>
        <translation>Tags</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Scheduler</source>
        <translation>Scheduler</translation>
    </message>
</context>
<context>
    <name>RunNotesDialog</name>
    <message>
        <location filename="../widgets/window/run_notes_dialog.cpp" line="+21"/>
        <source>Notes and tags of %1</source>
        <translation>Notizen und Tags von %1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>e.g. baseline, beta-sweep</source>
        <translation>z. B. baseline, beta-sweep</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Comma-separated; each at most 64 bytes, no control characters</source>
        <translation>Durch Kommas getrennt; je höchstens 64 Bytes, keine Steuerzeichen</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Tags:</source>
        <translation>&amp;Tags:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What this run was for, what came of it…</source>
        <translation>Wozu dieser Lauf diente, was dabei herauskam…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Note:</source>
        <translation>&amp;Notiz:</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Reading the notes failed: %1</source>
        <translation>Lesen der Notizen fehlgeschlagen: %1</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Not saved: %1</source>
        <translation>Nicht gespeichert: %1</translation>
    </message>
</context>
<context>
    <name>SamplesModel</name>
    <message>
        <location filename="../widgets/merge/samples_model.cpp" line="+84"/>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Completion (this point)</source>
        <translation>Vervollständigung (dieser Punkt)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>r</source>
        <translation>r</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>gold</source>
        <translation>Gold</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>KL</source>
        <translation>KL</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Completion (θ_sft)</source>
        <translation>Vervollständigung (θ_sft)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>θ_sft r</source>
        <translation>θ_sft r</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>θ_sft gold</source>
        <translation>θ_sft Gold</translation>
    </message>
</context>
<context>
    <name>SamplesView</name>
    <message>
        <location filename="../widgets/merge/samples_view.cpp" line="+30"/>
        <source>Filter prompts…</source>
        <translation>Prompts filtern…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copy as text</source>
        <translation>Als Text kopieren</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy the rows shown, tab-separated, to the clipboard</source>
        <translation>Die angezeigten Zeilen tabulatorgetrennt in die Zwischenablage kopieren</translation>
    </message>
</context>
<context>
    <name>WarpRunDialog</name>
    <message>
        <location filename="../widgets/window/launch_dialog.cpp" line="+95"/>
        <source>Run WARP</source>
        <translation>WARP ausführen</translation>
    </message>
</context>
</TS>
