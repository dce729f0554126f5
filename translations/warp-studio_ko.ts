<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ko_KR">
<context>
    <name>AboutDialog</name>
    <message>
        <location filename="../widgets/window/about_dialog.cpp" line="+16"/>
        <source>A workbench for Weight Averaged Rewarded Policies: fine-tune, reward, train, merge and evaluate small GPT-2 policies, and follow their runs live.</source>
        <translation>WARP(가중치 평균 보상 정책) 워크벤치: 작은 GPT-2 정책을 미세 조정·보상·학습·병합·평가하고, 실행을 실시간으로 확인합니다.</translation>
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
        <translation>장치</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>About WARP Studio</source>
        <translation>WARP Studio 정보</translation>
    </message>
</context>
<context>
    <name>KlRewardPlane</name>
    <message>
        <location filename="../widgets/plot/kl_reward_plane.cpp" line="+55"/>
        <source>Image size</source>
        <translation>이미지 크기</translation>
    </message>
    <message>
        <location line="+6"/>
        <source> px</source>
        <translation> px</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Width:</source>
        <translation>너비:</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Height:</source>
        <translation>높이:</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>y axis:</source>
        <translation>y축:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>learned reward r</source>
        <translation>학습된 보상 r</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+73"/>
        <source>gold reward</source>
        <translation>골드 보상</translation>
    </message>
    <message>
        <location line="-71"/>
        <source>The reward RL optimised (r) or the gold reward of the same completions: their gap shows reward hacking</source>
        <translation>RL이 최적화한 보상(r) 또는 같은 완성문의 골드 보상: 둘의 차이가 보상 해킹을 보여 줍니다</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Export plot…</source>
        <translation>그래프 내보내기…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Save the plane as PNG, PDF or SVG at a chosen size, or its points as CSV</source>
        <translation>평면을 원하는 크기의 PNG, PDF, SVG로 저장하거나 점들을 CSV로 저장합니다</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>KL(π ‖ π_sft), sequence</source>
        <translation>KL(π ‖ π_sft), 시퀀스</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KL(π ‖ π_sft), sequence, at τ = %1</source>
        <translation>KL(π ‖ π_sft), 시퀀스, τ = %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>KL-reward plane</source>
        <translation>KL-보상 평면</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>reward r</source>
        <translation>보상 r</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>RL trajectories (eval/*), WARP fronts per iteration (front/eta&lt;η&gt;/*), Algorithm 1&apos;s output front (output/eta&lt;η&gt;/*) and merged points, on the fixed evaluation prompts.</source>
        <translation>고정된 평가 프롬프트에서의 RL 궤적(eval/*), 반복별 WARP 프런트(front/eta&lt;η&gt;/*), 알고리즘 1의 출력 프런트(output/eta&lt;η&gt;/*) 및 병합된 점.</translation>
    </message>
    <message>
        <location line="+83"/>
        <source>reward r: %1</source>
        <translation>보상 r: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>gold reward: %1</source>
        <translation>골드 보상: %1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KL to θ_sft: %1</source>
        <translation>θ_sft에 대한 KL: %1</translation>
    </message>
    <message>
        <location line="+175"/>
        <source>Export the KL-reward plane</source>
        <translation>KL-보상 평면 내보내기</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>PNG image (*.png);;PDF document (*.pdf);;SVG image (*.svg);;CSV of the points (*.csv)</source>
        <translation>PNG 이미지 (*.png);;PDF 문서 (*.pdf);;SVG 이미지 (*.svg);;점 CSV (*.csv)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export failed</source>
        <translation>내보내기 실패</translation>
    </message>
</context>
<context>
    <name>LaunchOption</name>
    <message>
        <location filename="../widgets/window/run_launcher.cpp" line="+141"/>
        <location line="+45"/>
        <source>&amp;Init checkpoint:</source>
        <translation>초기 체크포인트(&amp;I):</translation>
    </message>
    <message>
        <location line="-43"/>
        <location line="+45"/>
        <source>Settings &amp;file (JSON):</source>
        <translation>설정 파일(JSON)(&amp;F):</translation>
    </message>
    <message>
        <location line="-44"/>
        <location line="+45"/>
        <source>S&amp;eed:</source>
        <translation>시드(&amp;E):</translation>
    </message>
    <message>
        <location line="-43"/>
        <source>&amp;Prompt seed:</source>
        <translation>프롬프트 시드(&amp;P):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Anchor:</source>
        <translation>앵커(&amp;A):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;β (KL strength):</source>
        <translation>β(KL 강도)(&amp;B):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;μ (EMA rate):</source>
        <translation>μ(EMA 비율)(&amp;M):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Steps:</source>
        <translation>단계 수(&amp;S):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>B&amp;atch (prompts per step):</source>
        <translation>배치(단계당 프롬프트 수)(&amp;A):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Samples per &amp;prompt:</source>
        <translation>프롬프트당 샘플 수(&amp;P):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Learning rate:</source>
        <translation>학습률(&amp;L):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Warmup steps:</source>
        <translation>워밍업 단계 수(&amp;W):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Weight decay:</source>
        <translation>가중치 감쇠(&amp;W):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>AdamW β&amp;1:</source>
        <translation>AdamW β1(&amp;1):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>AdamW β&amp;2:</source>
        <translation>AdamW β2(&amp;2):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Gradient clip (0: off):</source>
        <translation>그래디언트 클리핑(0: 끔)(&amp;G):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Temperature τ:</source>
        <translation>온도 τ(&amp;T):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Max &amp;new tokens:</source>
        <translation>최대 새 토큰 수(&amp;N):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Base&amp;line:</source>
        <translation>기준선(&amp;L):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Reward:</source>
        <translation>보상(&amp;R):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Evaluate every (steps):</source>
        <translation>평가 간격(단계)(&amp;E):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Evaluation &amp;prompts (0: protocol&apos;s):</source>
        <translation>평가 프롬프트 수(0: 프로토콜 값)(&amp;P):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Checkpoint every (steps):</source>
        <translation>체크포인트 간격(단계)(&amp;C):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Threads:</source>
        <translation>스레드 수(&amp;T):</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+43"/>
        <source>&amp;Device:</source>
        <translation>장치(&amp;D):</translation>
    </message>
    <message>
        <location line="-29"/>
        <source>&amp;Iterations I:</source>
        <translation>반복 횟수 I(&amp;I):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Runs M per iteration:</source>
        <translation>반복당 실행 수 M(&amp;R):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Steps T per run (0: RL&apos;s):</source>
        <translation>실행당 단계 수 T(0: RL 값)(&amp;S):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP &amp;λ:</source>
        <translation>SLERP λ(&amp;L):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>SLERP &amp;granularity:</source>
        <translation>SLERP 단위(&amp;G):</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>LITI &amp;η of the next init:</source>
        <translation>다음 초기값의 LITI η(&amp;H):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>η &amp;grid (comma-separated):</source>
        <translation>η 격자(쉼표로 구분)(&amp;G):</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Runs in &amp;parallel (0: all):</source>
        <translation>병렬 실행 수(0: 전부)(&amp;P):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Threads per run:</source>
        <translation>실행당 스레드 수(&amp;T):</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Launcher:</source>
        <translation>실행기(&amp;L):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm partition:</source>
        <translation>Slurm 파티션:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm account:</source>
        <translation>Slurm 계정:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm time limit:</source>
        <translation>Slurm 시간 제한:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm CPUs per task:</source>
        <translation>Slurm 태스크당 CPU 수:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm GPUs per task:</source>
        <translation>Slurm 태스크당 GPU 수:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm memory:</source>
        <translation>Slurm 메모리:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Slurm SIGTERM before the time limit (s):</source>
        <translation>시간 제한 전 Slurm SIGTERM (초):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>More sbatch arguments:</source>
        <translation>추가 sbatch 인수:</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Run</source>
        <translation>실행</translation>
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
        <translation>평가</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Resources</source>
        <translation>자원</translation>
    </message>
</context>
<context>
    <name>LogTailPanel</name>
    <message>
        <location filename="../widgets/panels/log_tail_panel.cpp" line="+39"/>
        <source>Select a run to follow its log.</source>
        <translation>로그를 보려면 실행을 선택하세요.</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>%1 does not exist (yet): runs started from the app write their output there.</source>
        <translation>%1이(가) (아직) 없습니다: 앱에서 시작한 실행은 출력을 그곳에 기록합니다.</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Cannot read %1: %2</source>
        <translation>%1을(를) 읽을 수 없습니다: %2</translation>
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
        <translation>실행 필터: 이름, 종류, 태그, 메모</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Runs whose name, kind, tags or note contain every word typed (any case)</source>
        <translation>이름, 종류, 태그 또는 메모에 입력한 모든 단어가 들어 있는 실행 (대소문자 무시)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Show the runs of one status only</source>
        <translation>한 가지 상태의 실행만 표시</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Metrics</source>
        <translation>지표</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pareto</source>
        <translation>파레토</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Merge</source>
        <translation>병합</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Log</source>
        <translation>로그</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>&amp;File</source>
        <translation>파일(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Open Experiment…</source>
        <translation>실험 열기(&amp;O)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;Recent</source>
        <translation>최근 항목 열기(&amp;R)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Re&amp;fresh</source>
        <translation>새로 고침(&amp;F)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Quit</source>
        <translation>종료(&amp;Q)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Runs</source>
        <translation>실행(&amp;R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;New RL run…</source>
        <translation>새 RL 실행(&amp;N)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Run &amp;WARP…</source>
        <translation>WARP 실행(&amp;W)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Stop selected</source>
        <translation>선택 항목 중지(&amp;S)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Resume selected</source>
        <translation>선택 항목 재개(&amp;R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Duplicate with changes…</source>
        <translation>변경하여 복제(&amp;D)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Notes and &amp;tags…</source>
        <translation>메모와 태그(&amp;T)…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Filter runs</source>
        <translation>실행 필터(&amp;F)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>&amp;Settings</source>
        <translation>설정(&amp;S)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Preferences…</source>
        <translation>환경 설정(&amp;P)…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Help</source>
        <translation>도움말(&amp;H)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;About WARP Studio</source>
        <translation>WARP Studio 정보(&amp;A)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>About &amp;Qt</source>
        <translation>Qt 정보(&amp;Q)</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+298"/>
        <source>No experiment open</source>
        <translation>열린 실험 없음</translation>
    </message>
    <message>
        <location line="-274"/>
        <source>Reading the database failed (retrying): %1</source>
        <translation>데이터베이스 읽기 실패(다시 시도 중): %1</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>Reading the evaluation settings failed: %1</source>
        <translation>평가 설정 읽기 실패: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 — WARP Studio</source>
        <translation>%1 — WARP Studio</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Cannot open the experiment</source>
        <translation>실험을 열 수 없습니다</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Open Experiment</source>
        <translation>실험 열기</translation>
    </message>
    <message>
        <location line="+93"/>
        <source>1 run</source>
        <translation>실행 1개</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 runs</source>
        <translation>실행 %1개</translation>
    </message>
    <message>
        <location line="+2"/>
        <source> · %1 metric rows</source>
        <translation> · 지표 %1행</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>No experiment open: File &gt; Open Experiment… (Ctrl+O).</source>
        <translation>열린 실험이 없습니다: 파일 &gt; 실험 열기… (Ctrl+O).</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No runs in this experiment yet. Start one with Runs &gt; New RL run… or Runs &gt; Run WARP…; runs started from a terminal appear here as they start too, e.g. warp sft --exp %1, then warp train --exp %1 --name ema-1 or warp run --exp %1; their curves follow live.</source>
        <translation>이 실험에는 아직 실행이 없습니다. 실행 &gt; 새 RL 실행… 또는 실행 &gt; WARP 실행…으로 시작하세요. 터미널에서 시작한 실행도 시작되는 대로 여기에 나타납니다. 예: warp sft --exp %1, 그다음 warp train --exp %1 --name ema-1 또는 warp run --exp %1. 곡선은 실시간으로 갱신됩니다.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Select runs in the list to plot their metrics (Ctrl+click for several).</source>
        <translation>목록에서 실행을 선택하면 지표가 그려집니다(여러 개는 Ctrl+클릭).</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Open Recent</source>
        <translation>최근 항목 열기</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 no longer exists; it was removed from the recent experiments.</source>
        <translation>%1이(가) 더 이상 존재하지 않아 최근 실험 목록에서 제거했습니다.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>No recent experiments</source>
        <translation>최근 실험 없음</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Clear Menu</source>
        <translation>메뉴 비우기(&amp;C)</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Start a `warp train` run in this experiment</source>
        <translation>이 실험에서 `warp train` 실행을 시작합니다</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Start the WARP driver (`warp run`) in this experiment</source>
        <translation>이 실험에서 WARP 드라이버(`warp run`)를 시작합니다</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Select running runs of this host to stop them</source>
        <translation>중지하려면 이 호스트에서 실행 중인 실행을 선택하세요</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select killed or crashed runs to resume them</source>
        <translation>재개하려면 종료되었거나 비정상 종료된 실행을 선택하세요</translation>
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
        <translation>실행의 시작 대화 상자를 그 설정으로 채워 새 이름으로 엽니다</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select one train or warp run to duplicate it</source>
        <translation>복제하려면 train 또는 warp 실행 하나를 선택하세요</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Send SIGTERM: the run checkpoints and ends killed (resumable)</source>
        <translation>SIGTERM 보내기: 실행이 체크포인트를 저장하고 종료됨 상태로 끝납니다(재개 가능)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Continue from the last resumable checkpoint</source>
        <translation>마지막 재개 가능 체크포인트부터 계속합니다</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Edit the selected run&apos;s note and tags (stored in the experiment database)</source>
        <translation>선택한 실행의 메모와 태그 편집 (실험 데이터베이스에 저장)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Select one run to edit its note and tags</source>
        <translation>메모와 태그를 편집할 실행을 하나 선택하십시오</translation>
    </message>
    <message>
        <location line="+38"/>
        <source>Started %1 (pid %2); output in %3</source>
        <translation>%1 시작됨(pid %2), 출력: %3</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>The run did not start</source>
        <translation>실행이 시작되지 않았습니다</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>warp ended without starting %1. The end of %2:

%3</source>
        <translation>warp가 %1을(를) 시작하지 못하고 끝났습니다. %2의 끝부분:

%3</translation>
    </message>
    <message>
        <location line="+18"/>
        <location line="+11"/>
        <location line="+29"/>
        <source>Cannot start the run</source>
        <translation>실행을 시작할 수 없습니다</translation>
    </message>
    <message>
        <location line="-14"/>
        <source>Duplicate %1 with changes</source>
        <translation>%1 변경하여 복제</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>Stop the WARP driver?</source>
        <translation>WARP 드라이버를 중지할까요?</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 is one of the runs of WARP driver %2. Stopped alone it would end the driver&apos;s iteration as failed.

Stop the driver %2 instead? Each of its runs writes a checkpoint and ends; Resume on %2 continues from there.</source>
        <translation>%1은(는) WARP 드라이버 %2의 실행 중 하나입니다. 이것만 중지하면 드라이버의 반복이 실패로 끝납니다.

대신 드라이버 %2을(를) 중지할까요? 각 실행이 체크포인트를 쓰고 끝나며, %2에서 재개하면 그 지점부터 이어집니다.</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Stopping %1: each checkpoints and ends killed</source>
        <translation>%1 중지 중: 각 실행이 체크포인트를 저장하고 종료됨 상태로 끝납니다</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Cannot stop</source>
        <translation>중지할 수 없습니다</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Run a reward command?</source>
        <translation>보상 명령을 실행할까요?</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resuming %1 runs this reward command from the experiment&apos;s database (the run was recorded on host %2):

%3

Run it only if you trust where this experiment comes from. Resume %1?</source>
        <translation>%1을(를) 재개하면 실험 데이터베이스에 있는 이 보상 명령이 실행됩니다(이 실행은 호스트 %2에서 기록되었습니다):

%3

이 실험의 출처를 신뢰할 때만 실행하세요. %1을(를) 재개할까요?</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Cannot resume</source>
        <translation>재개할 수 없습니다</translation>
    </message>
</context>
<context>
    <name>MergePanel</name>
    <message>
        <location filename="../widgets/merge/merge_panel.cpp" line="+86"/>
        <source>Inputs</source>
        <translation>입력</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A WARP iteration</source>
        <translation>WARP 반복</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Finished RL runs</source>
        <translation>완료된 RL 실행</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Checkpoint files</source>
        <translation>체크포인트 파일</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What to merge: the M policies of a WARP driver&apos;s iteration with its θ_init, finished train runs that started from one init, or files from disk</source>
        <translation>병합할 대상: WARP 드라이버 반복의 M개 정책과 그 θ_init, 같은 초기값에서 시작해 완료된 학습 실행, 또는 디스크의 파일</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Check two or more finished train runs that started from the same init</source>
        <translation>같은 초기값에서 시작해 완료된 학습 실행을 두 개 이상 선택하세요</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>θ_init checkpoint (.h5)</source>
        <translation>θ_init 체크포인트 (.h5)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>θ_init…</source>
        <translation>θ_init…</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>The M &gt;= 2 policies to merge (warp checkpoints)</source>
        <translation>병합할 M &gt;= 2개 정책(warp 체크포인트)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Add models…</source>
        <translation>모델 추가…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>제거</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Open inputs</source>
        <translation>입력 열기</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Load θ_init and the M policies into memory and measure their task vectors</source>
        <translation>θ_init와 M개 정책을 메모리에 불러와 작업 벡터를 측정합니다</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Refresh lists</source>
        <translation>목록 새로 고침</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Read the experiment&apos;s iterations and finished runs again</source>
        <translation>실험의 반복과 완료된 실행을 다시 읽습니다</translation>
    </message>
    <message>
        <location line="+5"/>
        <location line="+273"/>
        <source>No inputs open.</source>
        <translation>열린 입력이 없습니다.</translation>
    </message>
    <message>
        <location line="-264"/>
        <source>Recipe</source>
        <translation>레시피</translation>
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
        <translation>작업 벡터의 SLERP(DESIGN §5 2단계) 또는 선형 보간</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Method:</source>
        <translation>방법:</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>per tensor</source>
        <translation>텐서별</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>per layer</source>
        <translation>레이어별</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Where SLERP takes its angle Ω: per tensor, or one Ω per layer group (a transformer block, the embeddings, the final norm) over its concatenated task vectors, as the paper&apos;s &quot;layer by layer&quot; (warp merge --granularity)</source>
        <translation>SLERP가 각도 Ω를 취하는 단위: 텐서별, 또는 레이어 그룹(트랜스포머 블록, 임베딩, 최종 정규화)마다 이어 붙인 작업 벡터에 대한 하나의 Ω, 논문의 &quot;layer by layer&quot;와 같음 (warp merge --granularity)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>SLERP Ω:</source>
        <translation>SLERP Ω:</translation>
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
        <translation>θ_init 방향(반복 프런트)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>toward θ_sft (Algorithm 1 output)</source>
        <translation>θ_sft 방향(알고리즘 1 출력)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>η mode:</source>
        <translation>η 모드:</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Points</source>
        <translation>점</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Evaluate</source>
        <translation>평가</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Merge and evaluate the recipe above (moving λ or η does it too)</source>
        <translation>위 레시피를 병합하고 평가합니다(λ나 η를 움직여도 됩니다)</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+628"/>
        <source>Sweep</source>
        <translation>스윕</translation>
    </message>
    <message>
        <location line="-626"/>
        <source>Evaluate the whole η grid (0..1 by 0.05), and the λ grid for M = 2, in the background; dragging afterwards shows cached points at once</source>
        <translation>η 격자 전체(0..1, 0.05 간격)와 M = 2일 때 λ 격자를 백그라운드에서 평가합니다. 이후에는 드래그하면 캐시된 점이 바로 보입니다</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Export checkpoint…</source>
        <translation>체크포인트 내보내기…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Write the current recipe&apos;s policy as a warp checkpoint (.h5)</source>
        <translation>현재 레시피의 정책을 warp 체크포인트(.h5)로 저장합니다</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Export Hugging Face…</source>
        <translation>Hugging Face로 내보내기…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Write the current recipe&apos;s policy as a Hugging Face GPT-2 folder (model.safetensors, config.json, tokenizer)</source>
        <translation>현재 레시피의 정책을 Hugging Face GPT-2 폴더(model.safetensors, config.json, 토크나이저)로 저장합니다</translation>
    </message>
    <message>
        <location line="+24"/>
        <source>Samples</source>
        <translation>샘플</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ω per tensor</source>
        <translation>텐서별 Ω</translation>
    </message>
    <message>
        <location line="+120"/>
        <location line="+248"/>
        <source>ready</source>
        <translation>준비됨</translation>
    </message>
    <message>
        <location line="-241"/>
        <source>Sweep done: %1 points evaluated, the rest were cached.</source>
        <translation>스윕 완료: %1개 점을 평가했고 나머지는 캐시되어 있었습니다.</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>exporting (%1): %p%</source>
        <translation>내보내는 중(%1): %p%</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Exported %1</source>
        <translation>%1 내보냄</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Export failed</source>
        <translation>내보내기 실패</translation>
    </message>
    <message>
        <location line="+89"/>
        <source>%1 · iteration %2 (M = %3)%4</source>
        <translation>%1 · 반복 %2 (M = %3)%4</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>, not finished</source>
        <translation>, 미완료</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A worker of this iteration has not finished yet</source>
        <translation>이 반복의 워커 하나가 아직 끝나지 않았습니다</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>(no WARP iteration in this experiment yet)</source>
        <translation>(이 실험에는 아직 WARP 반복이 없습니다)</translation>
    </message>
    <message>
        <location line="+60"/>
        <source>Choose a WARP iteration: this experiment has none yet (Runs &gt; Run WARP…).</source>
        <translation>WARP 반복을 고르세요: 이 실험에는 아직 없습니다(실행 &gt; WARP 실행…).</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Check at least two finished runs to merge.</source>
        <translation>병합하려면 완료된 실행을 두 개 이상 선택하세요.</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Opening %1…</source>
        <translation>%1 여는 중…</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 iteration %2</source>
        <translation>%1 반복 %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the inputs</source>
        <translation>입력</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Open: %1 (M = %2, %3 evaluation prompts, τ = %4)</source>
        <translation>열림: %1 (M = %2, 평가 프롬프트 %3개, τ = %4)</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Move λ or η, or press Evaluate, to merge and evaluate a point.</source>
        <translation>λ나 η를 움직이거나 평가를 눌러 점을 병합하고 평가하세요.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 points of these inputs were evaluated before: they are on the plane.</source>
        <translation>이 입력의 점 %1개는 이미 평가되어 평면에 표시되어 있습니다.</translation>
    </message>
    <message>
        <location line="+55"/>
        <source>%1…</source>
        <translation>%1…</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Sweep: %1 recipes (%2)…</source>
        <translation>스윕: 레시피 %1개(%2)…</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Cancelled.</source>
        <translation>취소했습니다.</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Sweep: %1 new points (%2)</source>
        <translation>스윕: 새 점 %1개(%2)</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>estimate: %1 of %2 prompts</source>
        <translation>추정: 프롬프트 %2개 중 %1개</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>%1… first estimate from %2 of %3 prompts: reward %4, gold %5, KL %6</source>
        <translation>%1… 프롬프트 %3개 중 %2개로 얻은 첫 추정: 보상 %4, 골드 %5, KL %6</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>merging</source>
        <translation>병합 중</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>evaluating</source>
        <translation>평가 중</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loading</source>
        <translation>불러오는 중</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: %p%</source>
        <translation>%1: %p%</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Samples of %1%2</source>
        <translation>%1의 샘플%2</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>, beside θ_sft&apos;s for the same prompts and seeds</source>
        <translation>, 같은 프롬프트와 시드의 θ_sft 샘플과 나란히</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> (θ_sft&apos;s column follows once it is evaluated)</source>
        <translation> (θ_sft 열은 평가가 끝나면 표시됩니다)</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Samples of θ_sft (the reference of every point: the same prompts and seeds)</source>
        <translation>θ_sft의 샘플(모든 점의 기준: 같은 프롬프트와 시드)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Samples are kept for merged points; this point comes from the metrics of a run.</source>
        <translation>샘플은 병합된 점에 대해서만 보관됩니다. 이 점은 실행의 지표에서 온 것입니다.</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>SLERP/LERP weight of the second policy: θ_init + (1−λ)·δ1 + λ·δ2 for LERP</source>
        <translation>두 번째 정책의 SLERP/LERP 가중치: LERP의 경우 θ_init + (1−λ)·δ1 + λ·δ2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>For M &gt; 2, Eq. 26 folds SLERP left with λ = 1/m (LERP: uniform 1/M); λ is not used</source>
        <translation>M &gt; 2이면 식 26이 λ = 1/m로 SLERP를 왼쪽부터 접습니다(LERP: 균등 1/M). λ는 사용되지 않습니다</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Cancel sweep</source>
        <translation>스윕 취소</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>merged points</source>
        <translation>병합된 점</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>θ_sft</source>
        <translation>θ_sft</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>θ_init checkpoint</source>
        <translation>θ_init 체크포인트</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+7"/>
        <source>warp checkpoints (*.h5);;All files (*)</source>
        <translation>warp 체크포인트 (*.h5);;모든 파일 (*)</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Policies to merge</source>
        <translation>병합할 정책</translation>
    </message>
    <message>
        <location line="+7"/>
        <location line="+8"/>
        <source>Exporting %1 to %2…</source>
        <translation>%1을(를) %2(으)로 내보내는 중…</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Export the merged policy</source>
        <translation>병합된 정책 내보내기</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>warp checkpoint (*.h5)</source>
        <translation>warp 체크포인트 (*.h5)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Export as a Hugging Face folder (a new folder)</source>
        <translation>Hugging Face 폴더로 내보내기(새 폴더)</translation>
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
        <translation>모델: %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>from the cache (evaluated before)</source>
        <translation>캐시에서 (이전에 평가됨)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>merged in %1 s, evaluated in %2 s</source>
        <translation>병합 %1초, 평가 %2초</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>SLERP per layer</source>
        <translation>레이어별 SLERP</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>LERP (uniform 1/M)</source>
        <translation>LERP (균등 1/M)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP per layer (Eq. 26, λ = 1/m)</source>
        <translation>레이어별 SLERP (식 26, λ = 1/m)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP (Eq. 26, λ = 1/m)</source>
        <translation>SLERP (식 26, λ = 1/m)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 → LITI η %2 toward %3</source>
        <translation>%1 → %3 방향 LITI η %2</translation>
    </message>
    <message>
        <location line="+122"/>
        <location line="+42"/>
        <location line="+49"/>
        <location line="+18"/>
        <source>no merge inputs are open</source>
        <translation>열린 병합 입력이 없습니다</translation>
    </message>
    <message>
        <location line="-28"/>
        <source>θ_sft (the reference: the same prompts and seeds)</source>
        <translation>θ_sft (기준: 같은 프롬프트와 시드)</translation>
    </message>
</context>
<context>
    <name>MetricsPanel</name>
    <message>
        <location filename="../widgets/panels/metrics_panel.cpp" line="+33"/>
        <source>Reward (reward model)</source>
        <translation>보상(보상 모델)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Gold reward</source>
        <translation>골드 보상</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KL to anchor</source>
        <translation>앵커에 대한 KL</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>KL to SFT</source>
        <translation>SFT에 대한 KL</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Eval reward (fixed prompts)</source>
        <translation>평가 보상(고정 프롬프트)</translation>
    </message>
    <message>
        <location line="+4"/>
        <location line="+8"/>
        <source>Training loss</source>
        <translation>학습 손실</translation>
    </message>
    <message>
        <location line="-7"/>
        <location line="+9"/>
        <source>Held-out loss</source>
        <translation>검증 손실</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>Held-out perplexity</source>
        <translation>검증 퍼플렉시티</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Throughput (tokens/s)</source>
        <translation>처리량(토큰/초)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Learning rate</source>
        <translation>학습률</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Training pair accuracy</source>
        <translation>학습 쌍 정확도</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Held-out pair accuracy</source>
        <translation>검증 쌍 정확도</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Held-out pair accuracy (gold labels)</source>
        <translation>검증 쌍 정확도(골드 레이블)</translation>
    </message>
    <message>
        <location line="+73"/>
        <source>Select runs in the list to plot their metrics (Ctrl+click for several).</source>
        <translation>목록에서 실행을 선택하면 지표가 그려집니다(여러 개는 Ctrl+클릭).</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>Smoothing:</source>
        <translation>평활화:</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Exponential moving average of the curves, debiased at the start (0: raw); the raw curve stays faint behind</source>
        <translation>곡선의 지수 이동 평균, 시작 부분 편향 보정(0: 원본). 원본 곡선은 뒤에 흐리게 남습니다</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;X axis:</source>
        <translation>X축(&amp;X):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Step</source>
        <translation>스텝</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Wall time</source>
        <translation>경과 시간</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Plot against the step or the wall time since each run&apos;s start (h:mm:ss)</source>
        <translation>스텝 또는 각 실행 시작 이후 경과 시간(h:mm:ss)에 대해 그리기</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Log y</source>
        <translation>로그 y(&amp;L)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Logarithmic y axes; values ≤ 0 cannot be drawn on them and are left out</source>
        <translation>로그 y축: 0 이하의 값은 그릴 수 없으므로 생략됩니다</translation>
    </message>
    <message>
        <location line="+54"/>
        <source>Metric:</source>
        <translation>지표:</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Any metric key the selected runs have written</source>
        <translation>선택한 실행이 기록한 모든 지표 키</translation>
    </message>
    <message>
        <location line="+323"/>
        <source>Log scale: %1 values ≤ 0 of %2 are not drawn</source>
        <translation>로그 척도: %2의 0 이하 값 %1개는 그리지 않습니다</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>wall time since start (h:mm:ss)</source>
        <translation>시작 이후 경과 시간 (h:mm:ss)</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>%1 values ≤ 0 not drawn</source>
        <translation>0 이하 값 %1개 생략</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The logarithmic scale cannot show values ≤ 0; hover a plot to see how many of its values are left out</source>
        <translation>로그 척도는 0 이하의 값을 표시할 수 없습니다. 그래프 위에 마우스를 올리면 생략된 값의 수가 표시됩니다</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>step %1</source>
        <translation>스텝 %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>time %1</source>
        <translation>시간 %1</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>%1 (raw %2)</source>
        <translation>%1 (원본 %2)</translation>
    </message>
</context>
<context>
    <name>OmegaChart</name>
    <message>
        <location filename="../widgets/merge/omega_chart.cpp" line="+35"/>
        <source>Per tensor</source>
        <translation>텐서별</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Per layer</source>
        <translation>레이어별</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ω per tensor, or one Ω per layer group over its concatenated task vectors (the angle a layer SLERP uses)</source>
        <translation>텐서별 Ω, 또는 레이어 그룹마다 이어 붙인 작업 벡터에 대한 하나의 Ω (레이어별 SLERP가 쓰는 각도)</translation>
    </message>
    <message>
        <location line="+17"/>
        <location line="+11"/>
        <source>layer %1</source>
        <translation>레이어 %1</translation>
    </message>
    <message>
        <location line="-8"/>
        <location line="+10"/>
        <source>embeddings</source>
        <translation>임베딩</translation>
    </message>
    <message>
        <location line="-8"/>
        <source>other</source>
        <translation>기타</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>%1 (tensors: %2)</source>
        <translation>%1 (텐서: %2개)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: Ω = %2°</source>
        <translation>%1: Ω = %2°</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1: Ω undefined (zero task vector)</source>
        <translation>%1: Ω 정의되지 않음(작업 벡터가 0)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>; LERP fallback</source>
        <translation>; LERP 대체</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>No task vectors measured yet.</source>
        <translation>아직 측정된 작업 벡터가 없습니다.</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Ω between the task vectors δ1 and δ2 per layer group (%1 groups, over each group&apos;s concatenated tensors): mean %2°, %3 with LERP fallback</source>
        <translation>레이어 그룹별 작업 벡터 δ1과 δ2 사이의 Ω (%1개 그룹, 각 그룹의 이어 붙인 텐서에 대해): 평균 %2°, LERP 대체 %3개</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Ω between the task vectors δ1 and δ2 per tensor (%1 tensors): mean %2°, %3 with LERP fallback</source>
        <translation>텐서별 작업 벡터 δ1과 δ2 사이의 Ω(텐서 %1개): 평균 %2°, LERP 대체 %3개</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Ω (degrees)</source>
        <translation>Ω (도)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>tensor (θ_init&apos;s order), by layer</source>
        <translation>텐서(θ_init 순서), 레이어별</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>layer group (θ_init&apos;s order)</source>
        <translation>레이어 그룹 (θ_init 순서)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Ω per tensor</source>
        <translation>텐서별 Ω</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Ω per layer</source>
        <translation>레이어별 Ω</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>LERP fallback</source>
        <translation>LERP 대체</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>mean Ω %1°</source>
        <translation>평균 Ω %1°</translation>
    </message>
</context>
<context>
    <name>ParetoPanel</name>
    <message>
        <location filename="../widgets/panels/pareto_panel.cpp" line="+78"/>
        <source>No runs selected.</source>
        <translation>선택된 실행이 없습니다.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No evaluated points yet: RL runs log eval/kl_sft and eval/reward on the fixed prompts every eval_every steps; `warp run` logs a front per iteration.</source>
        <translation>아직 평가된 점이 없습니다: RL 실행은 eval_every 단계마다 고정 프롬프트에서 eval/kl_sft와 eval/reward를 기록하고, `warp run`은 반복마다 프런트를 기록합니다.</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>1 RL trajectory</source>
        <translation>RL 궤적 1개</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 RL trajectories</source>
        <translation>RL 궤적 %1개</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>1 WARP front</source>
        <translation>WARP 프런트 1개</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 WARP fronts</source>
        <translation>WARP 프런트 %1개</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>1 output front</source>
        <translation>출력 프런트 1개</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>%1 output fronts</source>
        <translation>출력 프런트 %1개</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> on the fixed evaluation prompts; hover a point for its provenance, the dotted step line is the non-dominated set</source>
        <translation> (고정 평가 프롬프트 기준). 점 위에 마우스를 올리면 출처가 보이고, 점선 계단은 비지배 집합입니다</translation>
    </message>
</context>
<context>
    <name>PlaneMetrics</name>
    <message>
        <location filename="../widgets/models/plane_metrics.cpp" line="+46"/>
        <source>RL run %1 (%2), step %3</source>
        <translation>RL 실행 %1 (%2), 스텝 %3</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>WARP driver %1: Algorithm 1&apos;s output after iteration %2</source>
        <translation>WARP 드라이버 %1: 반복 %2 이후 알고리즘 1의 출력</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>LITI η %1 toward θ_sft of the last SLERP</source>
        <translation>마지막 SLERP에서 θ_sft 방향 LITI η %1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>WARP driver %1, iteration %2</source>
        <translation>WARP 드라이버 %1, 반복 %2</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SLERP of the iteration&apos;s runs, then LITI η %1 toward its θ_init</source>
        <translation>반복의 실행들을 SLERP한 뒤 그 θ_init 방향 LITI η %1</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1 · output front</source>
        <translation>%1 · 출력 프런트</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 · front, iteration %2</source>
        <translation>%1 · 프런트, 반복 %2</translation>
    </message>
</context>
<context>
    <name>PreferencesDialog</name>
    <message>
        <location filename="../widgets/window/preferences_dialog.cpp" line="+16"/>
        <source>Preferences</source>
        <translation>환경 설정</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>System default (%1)</source>
        <translation>시스템 기본값(%1)</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>System</source>
        <translation>시스템</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Light</source>
        <translation>밝게</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Dark</source>
        <translation>어둡게</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Follow the desktop&apos;s light or dark palette, or force one; plots follow</source>
        <translation>데스크톱의 밝은/어두운 팔레트를 따르거나 하나로 고정합니다. 그래프도 따라갑니다</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>warp&apos;s default (all %1 cores)</source>
        <translation>warp 기본값(코어 %1개 모두)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>--threads of runs started from the app; for M runs in parallel on C cores, C / M each</source>
        <translation>앱에서 시작한 실행의 --threads. C개 코어에서 M개를 병렬로 실행하면 각각 C / M</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Background (idle CPU time only)</source>
        <translation>백그라운드 (유휴 CPU 시간만)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Low (nice %1)</source>
        <translation>낮음 (nice %1)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Normal</source>
        <translation>보통</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The CPU priority of runs started from the app; their workers inherit it. Background (warp --sched-idle): training takes only CPU time nothing else wants, so the window and the Merge tab&apos;s evaluations get the cores at once, and it runs at full speed while they are idle. Low (warp --nice %1): training still gets a share while the app works.</source>
        <translation>앱에서 시작한 실행의 CPU 우선순위이며, 워커도 이를 물려받습니다. 백그라운드(warp --sched-idle): 학습은 다른 작업이 쓰지 않는 CPU 시간만 사용하므로 창과 병합 탭의 평가가 즉시 코어를 얻고, 이들이 쉬는 동안에는 최대 속도로 실행됩니다. 낮음(warp --nice %1): 앱이 작업하는 동안에도 학습이 일정 몫을 받습니다.</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Run CPU &amp;priority:</source>
        <translation>실행의 CPU 우선순위(&amp;P):</translation>
    </message>
    <message>
        <location line="-7"/>
        <source>Weight of the exponential moving average over the metric curves (0: raw)</source>
        <translation>지표 곡선에 적용하는 지수 이동 평균의 가중치(0: 원본)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Language:</source>
        <translation>언어(&amp;L):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>The language changes at the next start.</source>
        <translation>언어는 다음 시작 때 바뀝니다.</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Appearance:</source>
        <translation>모양(&amp;A):</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Threads per run:</source>
        <translation>실행당 스레드(&amp;T):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Curve &amp;smoothing:</source>
        <translation>곡선 평활화(&amp;S):</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <location filename="../widgets/panels/metrics_panel.cpp" line="-551"/>
        <location line="+461"/>
        <source>step</source>
        <translation>단계</translation>
    </message>
    <message>
        <location filename="../app/studio/main.cpp" line="+109"/>
        <source>Cannot create the demo experiment</source>
        <translation>데모 실험을 만들 수 없습니다</translation>
    </message>
</context>
<context>
    <name>RlRunDialog</name>
    <message>
        <location filename="../widgets/window/launch_dialog.cpp" line="+273"/>
        <source>New RL run</source>
        <translation>새 RL 실행</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>e.g. ema-1</source>
        <translation>예: ema-1</translation>
    </message>
</context>
<context>
    <name>RunActions</name>
    <message>
        <location filename="../widgets/window/run_launcher.cpp" line="+236"/>
        <source>The run is %1, not running</source>
        <translation>실행 상태가 %1이며 실행 중이 아닙니다</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>The run is on host %1; stop it there</source>
        <translation>실행이 호스트 %1에 있습니다. 그곳에서 중지하세요</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The run has no process recorded yet</source>
        <translation>이 실행에는 아직 기록된 프로세스가 없습니다</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Only train and warp runs can be resumed</source>
        <translation>train 및 warp 실행만 재개할 수 있습니다</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Only killed or crashed runs can be resumed; this one is %1</source>
        <translation>종료되었거나 비정상 종료된 실행만 재개할 수 있습니다. 이 실행은 %1입니다</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>A run of a WARP driver: resume the driver, it resumes its runs</source>
        <translation>WARP 드라이버의 실행입니다: 드라이버를 재개하면 그 실행들도 재개됩니다</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>The run was on host %1; resume it there</source>
        <translation>실행이 호스트 %1에 있었습니다. 그곳에서 재개하세요</translation>
    </message>
</context>
<context>
    <name>RunDialog</name>
    <message>
        <location filename="../widgets/window/launch_dialog.cpp" line="-158"/>
        <source>&amp;Name:</source>
        <translation>이름(&amp;N):</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>default (%1)</source>
        <translation>기본값 (%1)</translation>
    </message>
    <message>
        <location line="+32"/>
        <source>Start</source>
        <translation>시작</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Empty fields take the experiment&apos;s settings (config.json).</source>
        <translation>빈 칸은 실험 설정(config.json)을 따릅니다.</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>none</source>
        <translation>없음</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>rm:checkpoints/rm.h5 if it exists, else gold</source>
        <translation>rm:checkpoints/rm.h5가 있으면 그것, 없으면 gold</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>default: none</source>
        <translation>기본값: 없음</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>experiment: %1</source>
        <translation>실험: %1</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>default: %1</source>
        <translation>기본값: %1</translation>
    </message>
</context>
<context>
    <name>RunFilterProxy</name>
    <message>
        <location filename="../widgets/models/run_filter_proxy.cpp" line="+45"/>
        <source>Running</source>
        <translation>실행 중</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Finished</source>
        <translation>완료</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Killed or crashed</source>
        <translation>중단 또는 비정상 종료</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Failed or diverged</source>
        <translation>실패 또는 발산</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Queued</source>
        <translation>대기 중</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>All statuses</source>
        <translation>모든 상태</translation>
    </message>
</context>
<context>
    <name>RunListModel</name>
    <message>
        <location filename="../widgets/models/run_list_model.cpp" line="+257"/>
        <source>job %1</source>
        <translation>작업 %1</translation>
    </message>
    <message>
        <location line="+64"/>
        <source>process gone (pid %1), no heartbeat for over %2 s</source>
        <translation>프로세스 없음(pid %1), %2초 넘게 하트비트 없음</translation>
    </message>
    <message>
        <location line="+29"/>
        <source> ETA %1</source>
        <translation> 남은 시간 %1</translation>
    </message>
    <message>
        <location line="+22"/>
        <source>pid %1 on %2</source>
        <translation>%2의 pid %1</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Name</source>
        <translation>이름</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Kind</source>
        <translation>종류</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Status</source>
        <translation>상태</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Iter.</source>
        <translation>반복</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Step</source>
        <translation>단계</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Progress</source>
        <translation>진행</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Started</source>
        <translation>시작 시각</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Elapsed</source>
        <translation>경과</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Tags</source>
        <translation>태그</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Message</source>
        <translation>메시지</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Scheduler</source>
        <translation>스케줄러</translation>
    </message>
</context>
<context>
    <name>RunNotesDialog</name>
    <message>
        <location filename="../widgets/window/run_notes_dialog.cpp" line="+21"/>
        <source>Notes and tags of %1</source>
        <translation>%1의 메모와 태그</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>e.g. baseline, beta-sweep</source>
        <translation>예: baseline, beta-sweep</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Comma-separated; each at most 64 bytes, no control characters</source>
        <translation>쉼표로 구분, 각각 최대 64바이트, 제어 문자 불가</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Tags:</source>
        <translation>태그(&amp;T):</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>What this run was for, what came of it…</source>
        <translation>이 실행의 목적과 결과…</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Note:</source>
        <translation>메모(&amp;N):</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>Reading the notes failed: %1</source>
        <translation>메모를 읽지 못했습니다: %1</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>Not saved: %1</source>
        <translation>저장하지 않았습니다: %1</translation>
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
        <translation>프롬프트</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Completion (this point)</source>
        <translation>완성문(이 점)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>r</source>
        <translation>r</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>gold</source>
        <translation>골드</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>KL</source>
        <translation>KL</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Completion (θ_sft)</source>
        <translation>완성문(θ_sft)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>θ_sft r</source>
        <translation>θ_sft r</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>θ_sft gold</source>
        <translation>θ_sft 골드</translation>
    </message>
</context>
<context>
    <name>SamplesView</name>
    <message>
        <location filename="../widgets/merge/samples_view.cpp" line="+30"/>
        <source>Filter prompts…</source>
        <translation>프롬프트 필터…</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copy as text</source>
        <translation>텍스트로 복사</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Copy the rows shown, tab-separated, to the clipboard</source>
        <translation>표시된 행을 탭으로 구분해 클립보드에 복사합니다</translation>
    </message>
</context>
<context>
    <name>WarpRunDialog</name>
    <message>
        <location filename="../widgets/window/launch_dialog.cpp" line="+95"/>
        <source>Run WARP</source>
        <translation>WARP 실행</translation>
    </message>
</context>
</TS>
