"""English → Vietnamese terms of science-and-technology plans, for English queries.

The dense model is multilingual but weak across languages on this domain; BM25 sees
nothing in an English query. Translating the query's domain terms lets BM25 match.
Longest phrases are matched first; words without an entry are left out.
"""
from __future__ import annotations

import re

TERMS: dict[str, str] = {
    "science and technology": "khoa học và công nghệ", "science & technology": "khoa học và công nghệ",
    "innovation": "đổi mới sáng tạo", "innovative": "đổi mới sáng tạo", "start-up": "khởi nghiệp",
    "startup": "khởi nghiệp", "startups": "khởi nghiệp", "start-ups": "khởi nghiệp", "science": "khoa học",
    "technology": "công nghệ", "technologies": "công nghệ", "research": "nghiên cứu",
    "intellectual property": "sở hữu trí tuệ", "trademark": "nhãn hiệu", "trademarks": "nhãn hiệu",
    "collective trademark": "nhãn hiệu tập thể", "certification mark": "nhãn hiệu chứng nhận",
    "geographical indication": "chỉ dẫn địa lý", "geographical indications": "chỉ dẫn địa lý",
    "key products": "sản phẩm chủ lực", "key product": "sản phẩm chủ lực", "flagship products": "sản phẩm chủ lực",
    "specialty": "đặc sản", "specialties": "đặc sản", "specialty products": "đặc sản",
    "product": "sản phẩm", "products": "sản phẩm", "enterprise": "doanh nghiệp", "enterprises": "doanh nghiệp",
    "business": "doanh nghiệp", "businesses": "doanh nghiệp", "company": "doanh nghiệp", "companies": "doanh nghiệp",
    "fund": "quỹ", "funds": "quỹ", "funding": "kinh phí", "budget": "ngân sách", "spending": "chi ngân sách",
    "expenditure": "chi ngân sách", "investment": "đầu tư", "invest": "đầu tư", "capital": "vốn",
    "government bonds": "trái phiếu chính phủ", "bonds": "trái phiếu", "loans": "vốn vay", "credit": "tín dụng",
    "target": "chỉ tiêu", "targets": "chỉ tiêu", "goal": "mục tiêu", "goals": "mục tiêu", "objective": "mục tiêu",
    "objectives": "mục tiêu", "percent": "phần trăm", "share": "tỷ lệ", "rate": "tỷ lệ", "ratio": "tỷ lệ",
    "proportion": "tỷ lệ", "tasks": "nhiệm vụ", "task": "nhiệm vụ", "solutions": "giải pháp", "solution": "giải pháp",
    "plan": "kế hoạch", "plans": "kế hoạch", "program": "chương trình", "programme": "chương trình",
    "resolution": "nghị quyết", "decision": "quyết định", "conclusion": "kết luận", "province": "tỉnh",
    "provincial": "tỉnh", "district": "huyện", "commune": "xã", "communes": "xã", "people's committee": "ủy ban nhân dân",
    "department": "sở", "department of science and technology": "sở khoa học và công nghệ", "office": "phòng",
    "department of finance": "sở tài chính", "department of health": "sở y tế", "health": "y tế",
    "department of education": "sở giáo dục và đào tạo", "education": "giáo dục", "training": "đào tạo",
    "agriculture": "nông nghiệp", "agricultural": "nông nghiệp", "farm": "nông sản", "farming": "nông nghiệp",
    "rural": "nông thôn", "new rural": "nông thôn mới", "industry and trade": "công thương", "trade": "thương mại",
    "information and communications": "thông tin và truyền thông", "home affairs": "nội vụ",
    "planning and investment": "kế hoạch và đầu tư", "finance": "tài chính", "economy": "kinh tế",
    "economic": "kinh tế", "infrastructure": "hạ tầng", "culture": "văn hóa", "digital": "số",
    "digital transformation": "chuyển đổi số", "digital economy": "kinh tế số", "information technology": "công nghệ thông tin",
    "high technology": "công nghệ cao", "high-tech": "công nghệ cao", "laboratory": "phòng thí nghiệm",
    "laboratories": "phòng thí nghiệm", "equipment": "trang thiết bị", "library": "thư viện", "electronic": "điện tử",
    "database": "cơ sở dữ liệu", "traceability": "truy xuất nguồn gốc", "origin": "nguồn gốc", "stamps": "tem",
    "logo": "logo", "logos": "logo", "brand": "thương hiệu", "brands": "thương hiệu", "quality": "chất lượng",
    "productivity": "năng suất", "standards": "tiêu chuẩn", "standard": "tiêu chuẩn", "measurement": "đo lường",
    "human resources": "nguồn nhân lực", "workforce": "nhân lực", "scientists": "nhà khoa học", "young": "trẻ",
    "technology transfer": "chuyển giao công nghệ", "transfer": "chuyển giao", "application": "ứng dụng",
    "apply": "ứng dụng", "applied": "ứng dụng", "incubator": "cơ sở ươm tạo", "incubators": "cơ sở ươm tạo",
    "incubation": "ươm tạo", "coworking": "khu làm việc chung", "marketplace": "sàn giao dịch", "exchange": "sàn giao dịch",
    "market": "thị trường", "cooperation": "hợp tác", "international": "quốc tế", "integration": "hội nhập",
    "propaganda": "tuyên truyền", "communication": "tuyên truyền", "awareness": "nhận thức", "report": "báo cáo",
    "reports": "báo cáo", "reporting": "báo cáo", "yearly": "hằng năm", "annually": "hằng năm", "annual": "hằng năm",
    "implementation": "tổ chức thực hiện", "implement": "triển khai thực hiện", "implementing": "thực hiện",
    "coordinate": "phối hợp", "coordinating": "chủ trì phối hợp", "focal point": "cơ quan đầu mối",
    "responsible": "trách nhiệm", "responsibility": "trách nhiệm", "signed": "ký", "signer": "người ký",
    "chairman": "chủ tịch", "vice chairman": "phó chủ tịch", "initiatives": "sáng kiến", "initiative": "sáng kiến",
    "technical improvements": "cải tiến kỹ thuật", "ideas": "ý tưởng", "projects": "dự án", "project": "dự án",
    "value chain": "chuỗi giá trị", "environment": "môi trường", "energy": "năng lượng", "climate change": "biến đổi khí hậu",
    "mechanism": "cơ chế", "policy": "chính sách", "policies": "chính sách", "support": "hỗ trợ", "supported": "hỗ trợ",
    "growth": "tăng trưởng", "contribution": "đóng góp", "contribute": "đóng góp", "vision": "tầm nhìn",
    "difficulties": "khó khăn vướng mắc", "problems": "khó khăn", "appendix": "phụ lục", "assignment": "phân công",
    "timeline": "thời gian thực hiện", "deadline": "thời gian", "centre": "trung tâm", "center": "trung tâm",
    "centers": "trung tâm", "centres": "trung tâm", "organizations": "tổ chức", "organisations": "tổ chức",
    "patent": "sáng chế", "patents": "sáng chế", "mobilize": "huy động", "sources": "nguồn", "resources": "nguồn lực",
    "front": "mặt trận", "union": "liên đoàn", "youth union": "đoàn thanh niên", "women": "phụ nữ",
    "medical": "y tế", "hospital": "bệnh viện", "treatment": "chữa bệnh", "seeds": "giống", "varieties": "giống",
    "livestock": "vật nuôi", "crops": "cây trồng", "ocop": "ocop", "grdp": "grdp", "oda": "oda", "fdi": "fdi",
}
_PATTERN = re.compile(r"\b(" + "|".join(sorted((re.escape(k) for k in TERMS), key=len, reverse=True)) + r")\b", re.I)


def translate_terms(query: str) -> str | None:
    """Vietnamese terms for the English domain phrases in ``query``, or None if none match.

    Vietnamese place names typed without accents ('Quang Tri') are kept as they are.
    """
    terms = [TERMS[m.group(0).lower()] for m in _PATTERN.finditer(query)]
    places = re.findall(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)+\b", query)
    numbers = re.findall(r"\b\d[\w/.-]*\b", query)
    words = terms + places + numbers
    return " ".join(words) if terms else None
