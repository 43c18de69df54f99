"""The demo's merchants: thirty kitchens, some of them branches of one chain
sharing its menu, each serving the meal slots its food suits and as busy as
its weight says."""

from dataclasses import dataclass

from orders.models import Merchant

# Meal slots a kitchen serves; a breakfast order goes to a breakfast place.
BREAKFAST, LUNCH, AFTERNOON, DINNER, LATE = "breakfast", "lunch", "afternoon", "dinner", "late"
MEALS = frozenset({LUNCH, DINNER})


@dataclass(frozen=True)
class Menu:
    dishes: tuple[tuple[str, str], ...]
    slots: frozenset[str]


def _menu(dishes: str, slots: frozenset[str] = MEALS) -> Menu:
    """``"宫保鸡丁 32.00, 米饭 2.00"``: a dish's name holds no space or comma."""
    pairs = [dish.rsplit(" ", 1) for dish in dishes.split(", ")]
    return Menu(tuple((name, price) for name, price in pairs), slots)


MENUS: dict[str, Menu] = {
    "sichuan": _menu(
        "宫保鸡丁 32.00, 鱼香肉丝 28.00, 麻婆豆腐 22.00, "
        "水煮牛肉 48.00, 回锅肉 36.00, 夫妻肺片 38.00, 酸菜鱼 58.00, "
        "干煸四季豆 24.00, 米饭 2.00, 冰镇酸梅汤 6.00",
    ),
    "shaxian": _menu(
        "花生酱拌面 6.00, 扁肉 8.00, 蒸饺 10.00, 乌鸡炖罐 15.00, "
        "鸭腿饭 16.00, 排骨饭 18.00, 卤蛋 2.50, 拌面扁肉套餐 13.00",
        MEALS | {BREAKFAST, LATE},
    ),
    "burger": _menu(
        "香辣鸡腿堡 19.50, 牛肉芝士堡 26.00, 双层牛堡套餐 39.90, "
        "薯条(中) 11.00, 上校鸡块 12.50, 奥尔良烤翅 13.00, "
        "葡式蛋挞 7.50, 可乐(中) 8.00",
        MEALS | {AFTERNOON, LATE},
    ),
    "lanzhou": _menu(
        "牛肉拉面 18.00, 大碗牛肉拉面 22.00, 牛肉炒拉条 24.00, "
        "凉拌牛肉 28.00, 酸辣土豆丝 14.00, 羊肉泡馍 26.00, 卤蛋 3.00",
    ),
    "cantonese": _menu(
        "蜜汁叉烧饭 26.00, 烧鸭饭 28.00, 白切鸡饭 27.00, "
        "干炒牛河 30.00, 鲜虾云吞面 24.00, 菠萝油 12.00, "
        "港式丝袜奶茶 16.00",
        MEALS | {AFTERNOON},
    ),
    "dongbei": _menu(
        "锅包肉 42.00, 地三鲜 26.00, 小鸡炖蘑菇 58.00, "
        "酸菜白肉 38.00, 猪肉酸菜饺子(15个) 25.00, 拍黄瓜 12.00",
    ),
    "hunan": _menu(
        "农家小炒肉 36.00, 剁椒鱼头 68.00, 辣椒炒肉盖饭 22.00, "
        "毛氏红烧肉 48.00, 手撕包菜 20.00, 米饭 2.00",
    ),
    "dumpling": _menu(
        "猪肉白菜水饺 20.00, 三鲜水饺 26.00, 韭菜鸡蛋水饺 19.00, "
        "锅贴 22.00, 酸辣汤 10.00, 小米粥 6.00",
    ),
    "malatang": _menu(
        "麻辣烫(自选) 25.80, 麻辣拌 27.50, 牛肉丸 6.00, 宽粉 4.00, 鸭血 5.00, 可乐 4.00",
        MEALS | {LATE},
    ),
    "huangmenji": _menu(
        "黄焖鸡米饭(小份) 18.00, 黄焖鸡米饭(大份) 24.00, "
        "黄焖排骨饭 26.00, 加土豆 3.00, 加香菇 3.00, 可乐 4.00",
    ),
    "tea": _menu(
        "杨枝甘露 19.00, 珍珠奶茶 14.00, 芝士葡萄 22.00, 手打柠檬茶 12.00, 烧仙草 16.00",
        MEALS | {AFTERNOON},
    ),
    "bbq": _menu(
        "羊肉串(10串) 30.00, 烤鸡翅(2串) 12.00, 蒜蓉烤茄子 15.00, "
        "烤韭菜 8.00, 烤馒头片 6.00, 蒜蓉烤生蚝(6只) 36.00",
        frozenset({DINNER, LATE}),
    ),
    "sushi": _menu(
        "三文鱼寿司拼盘 58.00, 鳗鱼饭 46.00, 照烧鸡排饭 32.00, 加州卷 28.00, 味噌汤 8.00",
    ),
    "pizza": _menu(
        "超级至尊披萨(9寸) 69.00, 榴莲披萨(9寸) 79.00, "
        "意式肉酱面 36.00, 芝士焗饭 38.00, 鸡米花 16.00",
        MEALS | {LATE},
    ),
    "congee": _menu(
        "皮蛋瘦肉粥 14.00, 艇仔粥 16.00, 生滚牛肉粥 22.00, "
        "鲜虾肠粉 12.00, 油条 3.00, 水晶虾饺 18.00",
        MEALS | {BREAKFAST, LATE},
    ),
    "luosifen": _menu(
        "柳州螺蛳粉 18.00, 老友粉 20.00, 桂林米粉 16.00, 加炸蛋 3.00, 加腐竹 3.00",
        MEALS | {LATE},
    ),
    "xiaomian": _menu(
        "重庆小面 12.00, 豌杂面 16.00, 红烧牛肉面 22.00, 红油抄手 16.00, 红糖冰粉 8.00",
        MEALS | {BREAKFAST},
    ),
    "breakfast": _menu(
        "煎饼果子 9.00, 鸡蛋灌饼 8.00, 鲜肉小笼包 15.00, 肉包 3.00, 现磨豆浆 4.00, 茶叶蛋 2.50",
        frozenset({BREAKFAST, LUNCH}),
    ),
    "hangzhou": _menu(
        "东坡肉 42.00, 西湖醋鱼 68.00, 龙井虾仁 78.00, 片儿川 24.00, 葱包桧 12.00",
    ),
    "xinjiang": _menu(
        "新疆大盘鸡 88.00, 羊肉手抓饭 32.00, 过油肉拌面 30.00, 烤包子 8.00, 红柳羊肉串 6.00",
        MEALS | {LATE},
    ),
    "coffee": _menu(
        "生椰拿铁 19.00, 美式咖啡 15.00, 厚乳拿铁 21.00, 黄油可颂 12.00, 提拉米苏 22.00",
        frozenset({BREAKFAST, AFTERNOON}),
    ),
    "salad": _menu(
        "鸡胸肉沙拉 32.00, 牛油果虾仁沙拉 42.00, 藜麦能量碗 38.00, 冷压橙汁 22.00",
    ),
    "fried_chicken": _menu(
        "原味炸鸡(半只) 39.00, 甜辣炸鸡(半只) 42.00, 芝士年糕 16.00, 芝士球 14.00, 冰啤酒 10.00",
        frozenset({AFTERNOON, DINNER, LATE}),
    ),
    "maocai": _menu(
        "荤素冒菜 32.00, 肥牛冒菜 38.00, 冒脑花 18.00, 米饭 2.00, 红糖冰粉 7.00",
        MEALS | {LATE},
    ),
}

# (code, name, menu, how busy): a chain's branches share their menu.
MERCHANTS: tuple[tuple[str, str, str, int], ...] = (
    ("MCH10001", "老王川菜馆", "sichuan", 9),
    ("MCH10002", "沙县小吃(科技园店)", "shaxian", 10),
    ("MCH10003", "沙县小吃(大学城店)", "shaxian", 6),
    ("MCH10004", "麦香汉堡", "burger", 9),
    ("MCH10005", "兰州拉面", "lanzhou", 8),
    ("MCH10006", "港记茶餐厅", "cantonese", 6),
    ("MCH10007", "老东北家常菜", "dongbei", 4),
    ("MCH10008", "湘里人家", "hunan", 6),
    ("MCH10009", "北方饺子馆", "dumpling", 5),
    ("MCH10010", "张姐麻辣烫", "malatang", 8),
    ("MCH10011", "黄焖鸡米饭(科技园店)", "huangmenji", 9),
    ("MCH10012", "黄焖鸡米饭(西丽店)", "huangmenji", 5),
    ("MCH10013", "茶语时光奶茶", "tea", 7),
    ("MCH10014", "老李烧烤", "bbq", 6),
    ("MCH10015", "樱花寿司", "sushi", 3),
    ("MCH10016", "意式披萨工坊", "pizza", 4),
    ("MCH10017", "潮汕砂锅粥", "congee", 5),
    ("MCH10018", "柳州螺蛳粉", "luosifen", 6),
    ("MCH10019", "重庆小面", "xiaomian", 6),
    ("MCH10020", "早安煎饼", "breakfast", 5),
    ("MCH10021", "西湖人家杭帮菜", "hangzhou", 3),
    ("MCH10022", "新疆大盘鸡", "xinjiang", 4),
    ("MCH10023", "街角咖啡", "coffee", 5),
    ("MCH10024", "轻食主义沙拉", "salad", 3),
    ("MCH10025", "韩式炸鸡屋", "fried_chicken", 5),
    ("MCH10026", "成都冒菜", "maocai", 5),
    ("MCH10027", "蜀香川菜馆(宝安店)", "sichuan", 4),
    ("MCH10028", "麦香汉堡(福田店)", "burger", 5),
    ("MCH10029", "兰州拉面(龙华店)", "lanzhou", 4),
    ("MCH10030", "老王川菜馆(南山店)", "sichuan", 4),
)


@dataclass(frozen=True)
class MerchantRow:
    pk: int
    code: str
    name: str
    menu: Menu
    weight: int


def ensure_merchants() -> tuple[list[MerchantRow], int]:
    """Every demo merchant as stored, and how many were missing and created."""
    codes = [code for code, *_rest in MERCHANTS]
    existing = set(Merchant.objects.filter(code__in=codes).values_list("code", flat=True))
    new = [
        Merchant(code=code, name=name) for code, name, *_rest in MERCHANTS if code not in existing
    ]
    Merchant.objects.bulk_create(new)
    # A merchant that already existed keeps its stored name, and the payload
    # carries that name: posting another would rename it.
    stored = dict(Merchant.objects.filter(code__in=codes).values_list("code", "pk"))
    names = dict(Merchant.objects.filter(code__in=codes).values_list("code", "name"))
    rows = [
        MerchantRow(stored[code], code, names[code], MENUS[menu], weight)
        for code, _name, menu, weight in MERCHANTS
    ]
    return rows, len(new)
