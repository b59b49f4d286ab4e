"""The consoles the simulator imitates: prompt, packs, help text and key lists of each model.

Every name, key and help line below is restated from the real dumps in
tests/vectors/console/ (named per item); the values a simulated console prints come from
`console_values`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .measurements import PackKind

# ioBroker_US_info_1.txt, _2.txt, _3.txt (a US5000, a US2000C, a US2KBPL of one stack).
US5000 = PackKind(name="US5000", capacity_ah=100, cells=15, max_current_ma=100000,
                  board="V10R04", main_soft="B69.16.0.0", soft="V1.3", boot="V1.0",
                  release="22-08-10", mosfet=True, extra_board="NF4.E3")  # fmt: skip
US2000C = PackKind(name="US2000C", capacity_ah=50, cells=15, max_current_ma=90000,
                   board="V10R04", main_soft="B68.2.0.0", soft="V2.6", boot="V2.1",
                   release="21-09-26", mosfet=True)  # fmt: skip
US2KBPL = PackKind(name="US2KBPL", capacity_ah=50, cells=15, max_current_ma=100000,
                   board="PHANTOMSAV10R03", main_soft="B67.9.0", soft="V2.8", boot="V2.0",
                   release="21-04-29")  # fmt: skip
# donverduyn_US2KBPL_info.txt: the older US2000B firmware.
US2KBPL_V24 = PackKind(name="US2KBPL", capacity_ah=50, cells=15, max_current_ma=100000,
                       board="PHANTOMSAV10R03", main_soft="B66.6", soft="V2.4", boot="V2.0",
                       release="20-05-28")  # fmt: skip
# ioBroker_pytes-v5_info_1.txt
EBOX = PackKind(name="E-BOX-48100V-D", capacity_ah=100, cells=16, max_current_ma=105000,
                board="SQB0010", main_soft="SPBMS16SRP2304V1.10.7.1C", soft="V1.10",
                boot="V1.13", release="23-10-13")  # fmt: skip
# ioBroker_H2_info.txt (37 Ah, 30 cells a unit); ioBroker_SC_info.txt (74 Ah, 15 cells a BMU).
H2_UNIT = PackKind(name="Force_H2", capacity_ah=37, cells=30, max_current_ma=40000,
                   board="MMCBSP02V20R03", main_soft="B52.26.0", soft="V1.5", boot="V1.1",
                   release="21-06-18")  # fmt: skip
SC_BMU = PackKind(name="CMU_A", capacity_ah=74, cells=15, max_current_ma=80000,
                  board="TISP01V10R02_1", main_soft="B52.34.0", soft="V5.6", boot="V1.4",
                  release="22-05-23")  # fmt: skip

_LOCAL = "Local command:"
_STARS = "*" * 58
# donverduyn_US2KBPL_help.txt; the part after "Remote command:" is cut by paging there and is
# taken from ioBroker_pytes-v5_help.txt.
US_HELP = (
    _LOCAL,
    "bat      Battery data show - bat [pwr][index]",
    "data     History data load - data [event/history/misc][item]",
    (
        "datalist Show recorded data - datalist [event/history/misc][item/bat][batnun]"
        "[volt/curr/temp/coul][item]"
    ),
    (
        "disp     Display Info at regular intervals - disp [(pwrs pwrNo)/val]/[(bats batNo)"
        "/volt/curr/temp]"
    ),
    "getpwr   Get power Info - getpwr",
    "help     Help [cmd]",
    "info     Device infomation - info",
    "log      Log information show - log",
    "login    Login Admin mode - login [password]",
    "logout   user mode  - logout",
    "pwr      Power data show - pwr [index]",
    "shut     Shut down - shut",
    "soh      State of health - soh [addr]",
    "stat     Statistic data show - stat",
    "time     Time - time [year] [month] [day] [hour] [minute] [second]",
    "trst     Test Soft Reset - trst",
    "updata   updata system - updata",
    _STARS,
    "Remote command:",
    "info     Device infomation - info",
    "login    Login Admin mode - login [password]",
    "logout   user mode  - logout",
)
# ioBroker_pytes-v5_help.txt
PYTES_HELP = (
    _LOCAL,
    "bat      Battery data show - bat [pwr][index]",
    "data     History data load - data [event/history][item]",
    "datalist Show recorded data - datalist {event/history}{item}}",
    US_HELP[4],
    *US_HELP[6:18],
    "ver      firmware info - ver",
    *US_HELP[18:],
)
# ioBroker_H2_help.txt
HV_HELP = (
    _LOCAL,
    "bat      Battery data show - bat ",
    "cmdquit  Quit the Console Mode",
    US_HELP[2],
    US_HELP[3],
    (
        "disp     Display Info at regular intervals - disp [pwr/val]/[volt/curr/temp] / disp"
        " [bat] [batNo]"
    ),
    *US_HELP[5:8],
    "bmuinfo  Device infomation - bmuinfo [chip]",
    *US_HELP[8:11],
    "pwr      Power data show - pwr",
    "unit     Unit data show - unit",
    "sysinfo  System Info - sysinfo",
    "twakeup  Test Wake Up - twakeup",
    "tsleep   Test sleep - tsleep",
    "tshut    Test Shut Down - tshut",
    "swrec    Self-Waking Rec data show - swrec",
    "soh      State of health - soh ",
    *US_HELP[14:17],
    "tchgcmd  Test Chg Cmd - tchgcmd",
    "tdsgcmd  Test Dsg Cmd - tchgcmd",
    "trtdoff  Relay time delay off - trtdoff",
    "tethernet Test tethernet - tethernet",
    US_HELP[17],
    "bmudtesttime Device Test Time - bmudtesttime [year] [month] [day] [hour] [minute] [second]",
    "cmudtesttime Device Test Time - cmudtesttime [year] [month] [day] [hour] [minute] [second]",
    _STARS,
)

_STAT_COMMON = (
    "Charge Cnt.", "Discharge Cnt.", "Charge Times", "Status Cnt.", "Idle Times", "COC Times",
)  # fmt: skip
_STAT_BAT = ("COCA Times", "DOCA Times", "SC Times", "Bat OV Times", "Bat HV Times",
             "Bat LV Times", "Bat UV Times")  # fmt: skip
_STAT_PWR = ("Pwr OV Times", "Pwr HV Times", "Pwr LV Times", "Pwr UV Times")
_STAT_TEMP = ("COT Times", "CUT Times", "DOT Times", "DUT Times", "CHT Times", "CLT Times",
              "DHT Times", "DLT Times", "Shut Times", "Reset Times", "RV Times",
              "Input OV Times", "SOH Times")  # fmt: skip
_STAT_TAIL = ("HT@0.5C Cnt", "LT@0.5C Cnt", "HT Cnt", "LT Cnt", "LV Cnt", "LifeWarn Times",
              "LifeAlarm Times")  # fmt: skip
# donverduyn_US2KBPL_stat.txt
US2KBPL_STAT = (
    "Data Items", "HisData Items", "MiscData Items", *_STAT_COMMON, "DOC Times", *_STAT_BAT,
    "Bat SLP Times", *_STAT_PWR, "Pwr SLP Times", *_STAT_TEMP, "BMICERR Times", "CYCLE Times",
    "Pwr Percent", "Pwr Coulomb", "Dsg Cap", *_STAT_TAIL,
)  # fmt: skip
# ioBroker_US_stat_1.txt (US5000, US2000C); ioBroker_US_stat_3.txt (US2KBPL V2.8)
US5000_STAT = (
    "Data Items", "HisData Items", *_STAT_COMMON, "COC2 Times", "DOC Times", "DOC2 Times",
    *_STAT_BAT, "Bat SLP Times", *_STAT_PWR, "Pwr SLP Times", *_STAT_TEMP, "BMICERR Times",
    "CYCLE Times", "SOH", "Pwr Percent", "Pwr Coulomb", "Dsg Cap", *_STAT_TAIL,
)  # fmt: skip
US2KBPL_V28_STAT = (
    "Data Items", "HisData Items", *_STAT_COMMON, "DOC Times", "COC2 Times", "DOC2 Times",
    *_STAT_BAT, "Bat SLP Times", *_STAT_PWR, "Pwr SLP Times", *_STAT_TEMP, "BMICERR Times",
    "CYCLE Times", "Pwr Percent", "Pwr Coulomb", "Dsg Cap", *_STAT_TAIL,
)  # fmt: skip
# ioBroker_pytes-v5_stat.txt
PYTES_STAT = (
    "Data Items", "HisData Items", *_STAT_COMMON, "DOC Times", *_STAT_BAT, "Bat SLP Times",
    *_STAT_PWR, "Pwr SLP Times", *_STAT_TEMP, "I2CERR Times", "CYCLE Times", "Pwr Percent",
    "Pwr Coulomb", *_STAT_TAIL,
)  # fmt: skip
_HV_STAT_HEAD = ("EvenData Items", "HistData Items", "MiscData Items", *_STAT_COMMON,
                 "DOC Times", *_STAT_BAT)  # fmt: skip
_HV_STAT_BOARD = ("Bat OT Times", "Bat UT Times", "Bat HT Times", "Bat LT Times",
                  "Board OT Times", "Board UT Times", "Board HT Times", "Board LT Times",
                  "Shut Times", "Reset Times", "RV Times", "Input OV Times", "SOH Times",
                  "BMICERR Times", "CYCLE Times", "Pwr Percent", "Pwr Coulomb(mAS)",
                  "Pwr PercentWatt")  # fmt: skip
_CAP = ("Chg Cap", "Dsg Cap")
# ioBroker_H2_stat.txt
H2_STAT = (
    *_HV_STAT_HEAD, "Bat SHUT Times", *_STAT_PWR, "Pwr SHUT Times", *_HV_STAT_BOARD,
    "Bat CoulWatt(uWH)", "Dsg Cap(mAH)", "SOH Percent",
    *(f"{span}{cap}{suffix}" for span in ("His.", "Day ") for cap in _CAP
      for suffix in ("(WH)", "l(mWH)")),
    "Min.Chg Cap(WH)", "Min.Dsg Cap(WH)", "HTChgDsg Secs", "LTChg Secs", "LTDsg Secs",
    "HT Secs", "LT Secs", "HV1 Secs", "HV2 Secs", "LV Secs",
    *(f"{way}Curr {band} Secs" for way in ("Chg", "Dsg")
      for band in ("0~0.2C", "0.2C~0.5C", "0.5C~0.8C", "0.8C~1C", "1C above")),
    "Soc 0~20% Secs", "Soc 20~60% Secs", "Soc 60% above Secs", "LifeWarning Times",
    "LifeAlarm Times", "FlashFail Times",
)  # fmt: skip
# ioBroker_SC_stat.txt
SC_STAT = (
    *_HV_STAT_HEAD, "Bat SLP Times", *_STAT_PWR, "Pwr SLP Times", *_HV_STAT_BOARD,
    "Bat CoulWatt(mWH)", "Dsg Cap(mAH)", "SOH Percent",
    *(f"{span}{cap}(WH)" for span in ("His.", "Day ", "Min.") for cap in _CAP),
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsoleModel:
    """What one kind of console prints; `kinds` by position, the last one repeating."""

    name: str
    series: bool
    """HV: units in series behind one BMS (pwr/unit/bat for the string)."""
    prompt: str
    kinds: tuple[PackKind, ...]
    default_count: int
    max_count: int
    positions: int
    """Rows of the US `pwr` table (Absent beyond the stack)."""
    amplitude: float
    """Peak current of the charge/discharge cycle, A."""
    replay_prefix: str
    help_lines: tuple[str, ...]
    time_prefix: str
    """The RTC chip name before the time (US: "Ds3231 ")."""
    pwr_extra: str = ""
    """US pwr's extra columns: "mosfet", "barcode" or none."""
    bat_layout: str = "soc"
    """US bat N: "soc" (SOC Coulomb BAL), "coulomb", or "coulomb-nocurr" (Pytes)."""
    energy_unit: str = "mWH"
    unit_avg_tempr: bool = False
    stat_keys: tuple[tuple[str, ...], ...] = ()
    """Stat keys by position, the last repeating."""
    stat_with_index: bool = True
    """Whether `stat N` works (Pytes refuses it: ioBroker_pytes-v5_stat_1.txt)."""
    manufacturer: str = "Pylon"
    page_lines: int = 20
    time_after: tuple[str, ...] = ()
    """Lines after the clock line of `time` (US2000C B67.5.0: "Test result:pass")."""
    """Body lines of a page of `help`, as in the model's help dump."""

    def kind(self, index: int) -> PackKind:
        """The pack kind at 1-based position `index`."""
        return self.kinds[min(index, len(self.kinds)) - 1]

    def stat(self, index: int) -> tuple[str, ...]:
        """The stat keys of position `index`."""
        return self.stat_keys[min(index, len(self.stat_keys)) - 1]


MODELS = {
    model.name: model
    for model in (
        ConsoleModel(name="us", series=False, prompt="pylon>", kinds=(US5000, US2000C, US2KBPL),
                     default_count=4, max_count=16, positions=16, amplitude=20.0,
                     replay_prefix="ioBroker_US", help_lines=US_HELP, time_prefix="Ds3231 ",
                     pwr_extra="mosfet",
                     stat_keys=(US5000_STAT, US5000_STAT, US2KBPL_V28_STAT)),
        # A US2000C on firmware B67.5.0 left in debug mode (tests/vectors/console/hrabovszki_*).
        ConsoleModel(name="us2000c-debug", series=False, prompt="pylon_debug>", kinds=(US2000C,),
                     default_count=5, max_count=16, positions=16, amplitude=20.0,
                     replay_prefix="hrabovszki_US2000C-B67", help_lines=US_HELP,
                     time_prefix="RTC ", time_after=("Test result:pass",), pwr_extra="mosfet",
                     stat_keys=(US5000_STAT,)),
        ConsoleModel(name="us2000b", series=False, prompt="pylon>", kinds=(US2KBPL_V24,),
                     default_count=2, max_count=8, positions=8, amplitude=10.0,
                     replay_prefix="donverduyn_US2KBPL", help_lines=US_HELP,
                     time_prefix="Ds3231 ", bat_layout="coulomb", stat_keys=(US2KBPL_STAT,)),
        ConsoleModel(name="pytes", series=False, prompt="PYTES>", kinds=(EBOX,),
                     default_count=1, max_count=16, positions=16, amplitude=20.0,
                     replay_prefix="ioBroker_pytes-v5", help_lines=PYTES_HELP, page_lines=21,
                     time_prefix="PCF8563 ", pwr_extra="barcode", bat_layout="coulomb-nocurr",
                     stat_keys=(PYTES_STAT,), stat_with_index=False, manufacturer="PYTES"),
        ConsoleModel(name="force-h2", series=True, prompt="pylon>", kinds=(H2_UNIT,),
                     default_count=4, max_count=8, positions=0, amplitude=8.0,
                     replay_prefix="ioBroker_H2", help_lines=HV_HELP, page_lines=18, time_prefix="",
                     stat_keys=(H2_STAT,)),
        ConsoleModel(name="sc", series=True, prompt="pylon>", kinds=(SC_BMU,),
                     default_count=5, max_count=12, positions=0, amplitude=15.0,
                     replay_prefix="ioBroker_SC", help_lines=HV_HELP, page_lines=18, time_prefix="",
                     energy_unit="WH", unit_avg_tempr=True, stat_keys=(SC_STAT,)),
    )
}  # fmt: skip
"""Every console model by name: us, us2000c-debug, us2000b, pytes, force-h2, sc."""
